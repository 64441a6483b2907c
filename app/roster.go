package app

func (s *Server) registerRosterRoutes() {}
