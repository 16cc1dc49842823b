package doc

// group is the queue of Updates of one key waiting for a batch. At most
// one goroutine (the leader) runs batches for a key at a time; when it is
// done with a batch and more ops wait, it hands leadership to the first
// waiting op's goroutine, so no caller waits for batches after its own.
type group struct {
	pending []*op
	running bool
}

// submit runs o, combined with concurrent ops of the same key, and
// returns when o is finished.
func (s *Store) submit(key string, o *op) {
	if s.opts.DisableGroupCommit {
		s.runBatch(key, []*op{o}, nil)
		return
	}
	s.mu.Lock()
	g := s.groups[key]
	if g == nil {
		g = &group{}
		s.groups[key] = g
	}
	g.pending = append(g.pending, o)
	if g.running {
		s.mu.Unlock()
		select {
		case <-o.done:
			return
		case <-o.promote:
		}
	} else {
		g.running = true
		s.mu.Unlock()
	}
	s.lead(key, g)
	<-o.done
}

// lead runs one batch of everything pending for key, then hands over.
func (s *Store) lead(key string, g *group) {
	s.mu.Lock()
	batch := g.pending
	g.pending = nil
	s.mu.Unlock()

	s.runBatch(key, batch, func() []*op {
		s.mu.Lock()
		defer s.mu.Unlock()
		more := g.pending
		g.pending = nil
		return more
	})

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(g.pending) == 0 {
		g.running = false
		delete(s.groups, key)
		return
	}
	close(g.pending[0].promote)
}
