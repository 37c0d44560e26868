package geo

import (
	"fmt"
	"net/url"

	"github.com/paulmach/orb"
)

// Handoff is a link that opens the walk to a place in a phone's own map
// app, in the coordinates that app expects: Amap (高德) and Apple Maps in
// China take GCJ-02, Baidu BD-09, Google WGS 84.
type Handoff struct {
	App  string `json:"app"`
	Name Label  `json:"name"`
	URL  string `json:"url"`
}

// Handoffs lists the map apps' links for walking to `to` (WGS 84), named
// name on their screens.
func Handoffs(to orb.Point, name string) []Handoff {
	g := WGS84ToGCJ02(to)
	b := WGS84ToBD09(to)
	ll := func(p orb.Point) string { return fmt.Sprintf("%.6f,%.6f", p.Lat(), p.Lon()) }
	amap := url.Values{"to": {fmt.Sprintf("%.6f,%.6f,%s", g.Lon(), g.Lat(), name)}, "mode": {"walk"}, "coordinate": {"gaode"}, "callnative": {"1"}}
	baidu := url.Values{"destination": {"latlng:" + ll(b) + "|name:" + name}, "mode": {"walking"}, "coord_type": {"bd09ll"}, "output": {"html"}, "src": {"partymap"}}
	apple := url.Values{"daddr": {ll(g)}, "dirflg": {"w"}, "q": {name}}
	google := url.Values{"api": {"1"}, "destination": {ll(to)}, "travelmode": {"walking"}}
	return []Handoff{
		{App: "amap", Name: Label{"高德地图", "Amap"}, URL: "https://uri.amap.com/navigation?" + amap.Encode()},
		{App: "baidu", Name: Label{"百度地图", "Baidu Maps"}, URL: "https://api.map.baidu.com/direction?" + baidu.Encode()},
		{App: "apple", Name: Label{"苹果地图", "Apple Maps"}, URL: "https://maps.apple.com/?" + apple.Encode()},
		{App: "google", Name: Label{"谷歌地图", "Google Maps"}, URL: "https://www.google.com/maps/dir/?" + google.Encode()},
	}
}
