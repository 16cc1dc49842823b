package api

// HandleForTest registers h for pattern as an Assistants API route (beta
// header checked, body limited), for tests of the foundation.
func (s *Server) HandleForTest(pattern string, h HandlerFunc) {
	s.handle(pattern, assistantsRoute, h)
}
