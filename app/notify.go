package app

// notifier sends notifications (placeholder, filled by the notifications work).
type notifier struct{}

func (s *Server) registerNotifyRoutes() {}
