package sqlstore

// SetPurgeBatch makes Purge change at most n rows per transaction, so that
// tests go through several batches.
func (s *Store) SetPurgeBatch(n int) { s.purgeBatch = n }
