package app

func (s *Server) registerExportRoutes() {}
