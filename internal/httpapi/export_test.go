package httpapi

import "github.com/labstack/echo/v4"

// RouteInfo is one line of the route table, as the tests outside the
// package see it.
type RouteInfo struct {
	Method, Path string
	// What the line declares.
	CORS, Stale, Deadline, Documents, Negotiated, NoStore, Staff, Admin, NoHead, Binary bool
	// BodyLimit is the bound of the route's request bodies, 0 for none.
	BodyLimit int64
}

// RouteTable returns the route table the router was built from.
func (s *Server) RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes {
		a := rt.attrs
		ri := RouteInfo{
			Method: rt.method, Path: rt.path,
			CORS: a&cors != 0, Stale: a&stale != 0, Deadline: a&deadline != 0, Documents: a&documents != 0,
			NoStore: a&noStore != 0, Staff: a&staffOnly != 0, Admin: a&adminOnly != 0, NoHead: a&noHead != 0,
			Binary: a&binary != 0, Negotiated: a&negotiated != 0,
		}
		if hasBody(rt.method) {
			switch {
			case a&importBody != 0:
				ri.BodyLimit = s.cfg.MaxImportBytes
			case a&loginBody != 0:
				ri.BodyLimit = s.cfg.MaxLoginBytes
			case a&writeBody != 0:
				ri.BodyLimit = s.cfg.MaxBodyBytes
			case a&orderBody != 0:
				ri.BodyLimit = s.cfg.OrderLimits.MaxBodyBytes
			}
		}
		out = append(out, ri)
	}
	return out
}

// RouterRoutes returns what the Echo router has registered.
func (s *Server) RouterRoutes() []*echo.Route { return s.echo.Routes() }
