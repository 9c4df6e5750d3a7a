package boltstore

// QueueLen returns how many Update calls wait for the writer, so tests can line calls up
// into one batch.
func QueueLen(s *Store) int {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return len(s.w.queue)
}

// Unmarshal is the decoder of stored records, for its comparison with encoding/json.
var Unmarshal = unmarshal
