package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/paulmach/orb"
)

// ImportItem is one feature of an uploaded file, already in WGS 84, its
// properties as JSON values (numbers, strings, lists, [lon, lat] pairs).
type ImportItem struct {
	Index      int // from 0, in file order
	ID         int64
	Geometry   orb.Geometry
	Properties map[string]any
}

// ImportFile is one layer's part of an import: the features of one file.
type ImportFile struct {
	// Name is the file's name, prefixed to its violations when an import
	// reads several ("grids.geojson"); empty for an upload of one file.
	Name  string
	Layer string
	Items []ImportItem
}

// Import actions, per feature.
const (
	ImportInsert    = "insert"
	ImportUpdate    = "update"
	ImportUnchanged = "unchanged"
)

// ImportLine says what an import does with one feature of the file.
type ImportLine struct {
	Index   int      `json:"index"`
	ID      int64    `json:"id,omitempty"`
	Name    string   `json:"name,omitempty"`
	Action  string   `json:"action"`
	Changed []string `json:"changed,omitempty"`
}

// ImportPlan is what an import does (or, in a dry run, would do) with one
// file. Tag names the whole import's plan: the files' content and the
// versions they would overwrite; applying with the dry run's tag
// guarantees nothing changed in between.
type ImportPlan struct {
	Layer     string       `json:"layer"`
	DryRun    bool         `json:"dry_run"`
	Inserted  int          `json:"inserted"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Lines     []ImportLine `json:"features"`
	Tag       string       `json:"tag"`
}

// PlanImport decides, for each item of the file, whether it inserts a new
// feature of layer l, updates the existing feature with its id, or leaves
// it unchanged, and returns the writes that do it. Properties an update
// does not give keep their current values, so that a KML drawn in a map
// app can move features without repeating all their data; the values of
// Derived fields are the store's, and what the file says for them is
// dropped. Every broken rule of every feature is returned, prefixed with
// the file's name, the feature's number and id.
func PlanImport(l Layer, file ImportFile, existing map[int64]Feature) ([]Write, ImportPlan, []Violation) {
	plan := ImportPlan{Layer: l.Name, Lines: []ImportLine{}}
	var ws []Write
	var vs []Violation
	seen := map[int64]int{}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", l.Name)
	for _, it := range file.Items {
		where := fmt.Sprintf("feature %d", it.Index+1)
		whereZh := fmt.Sprintf("第 %d 个要素", it.Index+1)
		if file.Name != "" {
			where, whereZh = file.Name+": "+where, file.Name+"："+whereZh
		}
		if it.ID > 0 {
			where += fmt.Sprintf(" (id %d)", it.ID)
			whereZh += fmt.Sprintf("（id %d）", it.ID)
			if j, dup := seen[it.ID]; dup {
				vs = append(vs, Violation{Rule: "duplicate_id",
					MessageZh: fmt.Sprintf("%s：id %d 与第 %d 个要素重复。", whereZh, it.ID, j+1),
					MessageEn: fmt.Sprintf("%s: the id %d is used again (first by feature %d).", where, it.ID, j+1)})
				continue
			}
			seen[it.ID] = it.Index
		}
		old, exists := existing[it.ID]
		props, fvs := l.CheckProperties(l.WithoutDerived(it.Properties), exists)
		fvs = append(l.CheckGeometry(it.Geometry), fvs...)
		f := Feature{Layer: l.Name, ID: it.ID, Geometry: it.Geometry, Properties: props}
		if exists {
			merged := make(map[string]any, len(old.Properties)+len(props))
			for k, v := range old.Properties {
				merged[k] = v
			}
			for k, v := range props {
				if v == nil {
					delete(merged, k)
					continue
				}
				merged[k] = v
			}
			f.Properties = merged
		}
		if len(fvs) == 0 {
			fvs = l.CheckRules(f)
		}
		if len(fvs) > 0 {
			for _, v := range fvs {
				vs = append(vs, Violation{Rule: v.Rule, MessageEn: where + ": " + v.MessageEn, MessageZh: whereZh + "：" + v.MessageZh})
			}
			continue
		}
		line := ImportLine{Index: it.Index, ID: it.ID, Name: nameOf(l, f.Properties)}
		switch {
		case !exists:
			line.Action = ImportInsert
			plan.Inserted++
			ws = append(ws, Write{Op: Insert, Feature: f})
		default:
			line.Changed = changedFields(l, old, f)
			if len(line.Changed) == 0 {
				line.Action = ImportUnchanged
				plan.Unchanged++
				break
			}
			line.Action = ImportUpdate
			plan.Updated++
			ws = append(ws, Write{Op: Update, Feature: f, IfVersion: old.Version})
		}
		plan.Lines = append(plan.Lines, line)
		g, _ := json.Marshal(EncodeFeature(f))
		fmt.Fprintf(h, "%s %d %d %s\n", line.Action, it.ID, old.Version, g)
	}
	plan.Tag = "import-" + hex.EncodeToString(h.Sum(nil))[:32]
	return ws, plan, vs
}

// changedFields names what differs between two states of a feature:
// "geometry" and the properties, in catalogue order.
func changedFields(l Layer, a, b Feature) []string {
	var out []string
	if !orb.Equal(a.Geometry, b.Geometry) {
		out = append(out, "geometry")
	}
	for _, fd := range l.Fields {
		if !reflect.DeepEqual(a.Properties[fd.Name], b.Properties[fd.Name]) {
			out = append(out, fd.Name)
		}
	}
	return out
}

// ChangedFields names what differs between two states of a feature.
func (l Layer) ChangedFields(a, b Feature) []string { return changedFields(l, a, b) }

// nameOf is how an import's answer names a feature: its key and Chinese
// name ("XY01 第一网格"), or its name.
func nameOf(l Layer, props map[string]any) string {
	name, _ := props["name_zh"].(string)
	if name == "" {
		name, _ = props["name_en"].(string)
	}
	if key, ok := props[l.Key].(string); ok && l.Key != "" && key != "" {
		if name == "" {
			return key
		}
		return key + " " + name
	}
	return name
}
