package httpapi

// editRoutes registers staff editing when the server has the stores for
// it: login, OGC API – Features Part 4 writes, history, reshape, import and
// export. Reads stay public; everything here needs a login.
func (s *Server) editRoutes() {
	if s.cfg.Accounts == nil || s.cfg.Edits == nil {
		return
	}
	s.cfg.Auth = s.cfg.Auth.withDefaults()
	e := s.echo
	staff, admin := s.requireStaff, s.requireAdmin

	e.POST("/api/login", s.handleLogin)
	e.POST("/api/logout", s.handleLogout, staff)
	e.GET("/api/session", s.handleSession, staff)

	e.OPTIONS("/collections/:layer/items", s.handleItemsOptions)
	e.OPTIONS("/collections/:layer/items/:id", s.handleItemOptions)
	e.POST("/collections/:layer/items", s.handleCreateItem, staff)
	e.PUT("/collections/:layer/items/:id", s.handleReplaceItem, staff)
	e.PATCH("/collections/:layer/items/:id", s.handlePatchItem, staff)
	e.DELETE("/collections/:layer/items/:id", s.handleDeleteItem, staff)

	e.GET("/collections/:layer/items/:id/history", s.handleHistory, staff)
	e.POST("/collections/:layer/items/:id/revert", s.handleRevert, staff)
	e.GET("/collections/:layer/deleted", s.handleDeleted, staff)
	e.POST("/collections/:layer/items/:id/restore", s.handleRestore, staff)
	e.GET("/api/audit", s.handleAudit, admin)

	e.POST("/api/grids/:id/reshape", s.handleReshapeGrid, staff)
	e.POST("/api/import", s.handleImport, staff)
	e.GET("/api/export", s.handleExport, staff)
	if s.cfg.Viewer != nil {
		e.GET("/edit", s.handleEditorPage)
	}
}
