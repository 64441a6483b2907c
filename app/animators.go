package app

func (s *Server) registerAnimatorRoutes() {}
