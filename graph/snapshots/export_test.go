package snapshots

// ForgetPast drops the past states a cache keeps, so that a benchmark reads each one again.
func ForgetPast(c *Cache) {
	c.history.mu.Lock()
	defer c.history.mu.Unlock()
	c.history.keys, c.history.m = nil, nil
}
