package geo

import (
	"fmt"
	"strings"
)

// The map's rules, each as the violation a staff member reads: in Chinese
// and English, naming the features (Layer.FeatureLabel), the areas in
// square metres and where. The store finds them (in PostGIS); these say
// them.
//
// Where a new rule goes, by what it needs to read:
//
//   - one property on its own (type, required, allowed values, range, how
//     far a position may lie from the feature): the Field in the catalogue
//     (catalogue.go), checked by Layer.CheckProperties, and mirrored by the
//     table's CHECK constraint (TestCatalogue_matchesSchema compares them);
//   - several properties of one feature: Layer.CheckRules (edit.go);
//   - one feature's geometry, as PostGIS judges it (a valid shape, a
//     position's distance to the outline, a unique key): precheck in
//     internal/postgis/check.go, before anything is written;
//   - other rows (grids tile the community, a compound in one grid, a
//     building in its compound, references): validate in
//     internal/postgis/topology.go, after the batch is written;
//   - a fact that follows from the position (a grid_code): not a rule but a
//     Derived field, kept by internal/postgis/reassign.go.
//
// Its sentence goes here, next to the others.

// GridShare is how much of a compound lies in one grid.
type GridShare struct {
	Grid Label
	Area float64 // m²
}

// InvalidGeometry is a geometry PostGIS finds invalid (a self-intersection,
// a ring that crosses itself), with the reason and where.
func InvalidGeometry(f Label, reason string, at *[2]float64) Violation {
	where, whereZh := "", ""
	if at != nil {
		where = fmt.Sprintf(" near %.7f, %.7f", at[0], at[1])
		whereZh = fmt.Sprintf("（位置 %.7f, %.7f）", at[0], at[1])
	}
	return Violation{Rule: "invalid_geometry",
		MessageZh: fmt.Sprintf("%s的形状无效：%s%s。请检查边界是否自相交。", f.Zh, reason, whereZh),
		MessageEn: fmt.Sprintf("The shape of %s is invalid: %s%s. Check that its boundary does not cross itself.", f.En, reason, where)}
}

// OutsideCommunity is a feature that reaches outside the community outline.
func OutsideCommunity(f Label, area float64, point bool) Violation {
	if point {
		return Violation{Rule: "outside_community",
			MessageZh: fmt.Sprintf("%s位于社区范围之外。", f.Zh),
			MessageEn: fmt.Sprintf("%s lies outside the community's outline.", f.En)}
	}
	return Violation{Rule: "outside_community",
		MessageZh: fmt.Sprintf("%s有 %.1f 平方米超出了社区范围。", f.Zh, area),
		MessageEn: fmt.Sprintf("%.1f m² of %s lie outside the community's outline.", area, f.En)}
}

// GridOverlap is two grids that overlap.
func GridOverlap(a, b Label, area float64) Violation {
	return Violation{Rule: "grid_overlap",
		MessageZh: fmt.Sprintf("%s与%s重叠 %.1f 平方米；网格之间不能重叠。", a.Zh, b.Zh, area),
		MessageEn: fmt.Sprintf("%s overlaps %s by %.1f m²; grids must not overlap.", a.En, b.En, area)}
}

// GridGap is a part of the community that no grid would cover.
func GridGap(area float64, at [2]float64) Violation {
	return Violation{Rule: "grid_gap",
		MessageZh: fmt.Sprintf("社区内有 %.1f 平方米（位置 %.6f, %.6f 附近）不属于任何网格；网格必须覆盖整个社区。", area, at[0], at[1]),
		MessageEn: fmt.Sprintf("%.1f m² of the community near %.6f, %.6f would belong to no grid; the grids must cover the whole community.", area, at[0], at[1])}
}

// GridAcrossCommunities is a grid that reaches into another community
// than its own: the grids of a community tile it, and no grid lies in two.
func GridAcrossCommunities(g Label, own, other string, area float64) Violation {
	return Violation{Rule: "grid_across_communities",
		MessageZh: fmt.Sprintf("%s有 %.1f 平方米位于社区 %s 内，而它属于社区 %s；每个网格必须完整地位于一个社区内。", g.Zh, area, other, own),
		MessageEn: fmt.Sprintf("%.1f m² of %s lie in community %s, not in its own community %s; every grid must lie inside exactly one community.", area, g.En, other, own)}
}

// CommunityOverlap is two communities that overlap.
func CommunityOverlap(a, b Label, area float64) Violation {
	return Violation{Rule: "community_overlap",
		MessageZh: fmt.Sprintf("%s与%s重叠 %.1f 平方米；社区之间不能重叠。", a.Zh, b.Zh, area),
		MessageEn: fmt.Sprintf("%s overlaps %s by %.1f m²; communities must not overlap.", a.En, b.En, area)}
}

// CompoundSplit is a compound that would lie in several grids.
func CompoundSplit(c Label, shares []GridShare) Violation {
	zh := make([]string, len(shares))
	en := make([]string, len(shares))
	for i, s := range shares {
		zh[i] = fmt.Sprintf("%s（%.1f 平方米）", s.Grid.Zh, s.Area)
		en[i] = fmt.Sprintf("%s (%.1f m²)", s.Grid.En, s.Area)
	}
	return Violation{Rule: "compound_split",
		MessageZh: fmt.Sprintf("%s将被分到多个网格：%s；每个小区必须完整地位于一个网格内。", c.Zh, strings.Join(zh, "、")),
		MessageEn: fmt.Sprintf("%s would be split between %s; every compound must lie inside exactly one grid.", c.En, strings.Join(en, " and "))}
}

// CompoundOrphaned is a compound (partly) outside every grid.
func CompoundOrphaned(c Label, uncovered float64) Violation {
	return Violation{Rule: "compound_orphaned",
		MessageZh: fmt.Sprintf("%s有 %.1f 平方米将不属于任何网格；每个小区必须完整地位于一个网格内。", c.Zh, uncovered),
		MessageEn: fmt.Sprintf("%.1f m² of %s would lie outside every grid; every compound must lie inside exactly one grid.", uncovered, c.En)}
}

// CompoundGridCode is a compound whose grid_code names another grid than
// the one it lies in.
func CompoundGridCode(c Label, has, liesIn string) Violation {
	return Violation{Rule: "compound_grid_code",
		MessageZh: fmt.Sprintf("%s的 grid_code 是“%s”，但它位于网格 %s 内。", c.Zh, has, liesIn),
		MessageEn: fmt.Sprintf("%s has grid_code %q but lies in grid %s.", c.En, has, liesIn)}
}

// BuildingOutsideCompound is a building that reaches outside its compound.
func BuildingOutsideCompound(b, c Label, area float64) Violation {
	return Violation{Rule: "building_outside_compound",
		MessageZh: fmt.Sprintf("%s有 %.1f 平方米超出了所属的%s。", b.Zh, area, c.Zh),
		MessageEn: fmt.Sprintf("%.1f m² of %s lie outside its %s.", area, b.En, c.En)}
}

// UnknownReference is a property that names a feature of the target
// layer that does not exist.
func UnknownReference(f Label, field string, target Layer, id any) Violation {
	item := target.Item.Mid()
	return Violation{Rule: "unknown_reference",
		MessageZh: fmt.Sprintf("%s的 %s 指向不存在的%s %v。", f.Zh, field, item.Zh, id),
		MessageEn: fmt.Sprintf("%s: %s names %s %v, which does not exist.", f.En, field, item.En, id)}
}

// HasDependents is a feature that n features of the layer what still refer
// to, so it cannot be deleted (or its key changed) yet.
func HasDependents(f Label, n int, what Layer) Violation {
	title := what.Title.Mid()
	return Violation{Rule: "has_dependents",
		MessageZh: fmt.Sprintf("%s仍有 %d 个%s引用它；请先移动或删除它们。", f.Zh, n, title.Zh),
		MessageEn: fmt.Sprintf("%d %s still refer to %s; move or delete them first.", n, title.En, f.En)}
}

// KeyTaken is a key (a grid's code) that another feature of the layer has.
func KeyTaken(key Field, value string, other Label) Violation {
	title := key.Title.Mid()
	return Violation{Rule: "key_taken",
		MessageZh: fmt.Sprintf("%s“%s”已被%s使用。", title.Zh, value, other.Zh),
		MessageEn: fmt.Sprintf("The %s %q is already used by %s.", title.En, value, other.En)}
}

// PositionTooFar is a position property (a car park's entrance) that lies
// further from the feature than its field allows.
func PositionTooFar(f Label, field Field, metres float64) Violation {
	title := field.Title.Mid()
	return Violation{Rule: "position_too_far",
		MessageZh: fmt.Sprintf("%s的%s距它 %.0f 米；最远只能在 %.0f 米以内。请把%s放在它的边界上或附近。", f.Zh, title.Zh, metres, field.Within, title.Zh),
		MessageEn: fmt.Sprintf("The %s of %s lies %.0f m from it; it must be within %.0f m. Put the %s on or next to its outline.", title.En, f.En, metres, field.Within, title.En)}
}

// GridCut is a neighbour that a reshape would cut into pieces.
func GridCut(g Label, pieces int) Violation {
	return Violation{Rule: "grid_cut",
		MessageZh: fmt.Sprintf("新边界会把%s切成 %d 块；网格必须是一个整体。", g.Zh, pieces),
		MessageEn: fmt.Sprintf("The new boundary would cut %s into %d pieces; a grid must be one piece.", g.En, pieces)}
}

// GridVanishes is a neighbour that a reshape would swallow whole.
func GridVanishes(g Label) Violation {
	return Violation{Rule: "grid_vanishes",
		MessageZh: fmt.Sprintf("新边界会完全吞掉%s；如需合并网格，请先删除它。", g.Zh),
		MessageEn: fmt.Sprintf("The new boundary would swallow %s whole; to merge grids, delete it first.", g.En)}
}

// ConstraintViolation is a database rule the checks above did not foresee.
func ConstraintViolation(detail string) Violation {
	return Violation{Rule: "constraint",
		MessageZh: fmt.Sprintf("数据库拒绝了这次修改：%s。", detail),
		MessageEn: fmt.Sprintf("The database refused the change: %s.", detail)}
}

// MovedNote explains a consequential change: an edit of the grids (the
// layer in) moved a feature (an item of its layer, what) from one grid to
// another. from or to is empty when the feature lay, or lies, in none.
func MovedNote(what, in Layer, from, to string) ItemChange {
	item, grid := what.Item.Mid(), in.Item.Mid()
	var c ItemChange
	switch {
	case from == "":
		c.NoteZh = fmt.Sprintf("%s边界移动后，该%s划入%s %s。", grid.Zh, item.Zh, grid.Zh, to)
		c.NoteEn = fmt.Sprintf("The %s boundary moved: the %s now lies in %s %s.", grid.En, item.En, grid.En, to)
	case to == "":
		c.NoteZh = fmt.Sprintf("%s边界移动后，该%s不再属于%s %s。", grid.Zh, item.Zh, grid.Zh, from)
		c.NoteEn = fmt.Sprintf("The %s boundary moved: the %s no longer lies in %s %s.", grid.En, item.En, grid.En, from)
	default:
		c.NoteZh = fmt.Sprintf("%s边界移动后，该%s从%s %s 划入%s %s。", grid.Zh, item.Zh, grid.Zh, from, grid.Zh, to)
		c.NoteEn = fmt.Sprintf("The %s boundary moved: the %s moved from %s %s to %s %s.", grid.En, item.En, grid.En, from, grid.En, to)
	}
	return c
}
