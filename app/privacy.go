package app

func (s *Server) registerPrivacyRoutes() {}
