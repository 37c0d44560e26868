package memcache

// insert keeps v as the most recently used entry of key and evicts from the
// cold end until the cache fits its byte bound. The caller holds c.mu.
func (c *Cache[K, G, V]) insert(key K, v V) {
	size := c.cfg.Size(key, v)
	if size > c.cfg.MaxEntryBytes {
		return
	}
	if old, ok := c.entries[key]; ok {
		c.remove(old)
	}
	e := &entry[K, G, V]{key: key, group: c.groupOf(key), value: v, size: size}
	c.entries[key] = e
	g := c.groups[e.group]
	if g == nil {
		g = make(map[K]*entry[K, G, V])
		c.groups[e.group] = g
	}
	g[key] = e
	c.pushFront(e)
	c.bytes += size
	for c.bytes > c.cfg.MaxBytes && c.tail != nil {
		c.remove(c.tail)
		c.stats.evictions.Add(1)
	}
	c.publishSize()
}

// remove unlinks one entry from the order and the indexes. The caller holds
// c.mu and publishes the size when done.
func (c *Cache[K, G, V]) remove(e *entry[K, G, V]) {
	c.unlink(e)
	delete(c.entries, e.key)
	if g := c.groups[e.group]; g != nil {
		delete(g, e.key)
		if len(g) == 0 {
			delete(c.groups, e.group)
		}
	}
	c.bytes -= e.size
}

// touch makes e the most recently used entry. The caller holds c.mu.
func (c *Cache[K, G, V]) touch(e *entry[K, G, V]) {
	if c.head == e {
		return
	}
	c.unlink(e)
	c.pushFront(e)
}

func (c *Cache[K, G, V]) pushFront(e *entry[K, G, V]) {
	e.prev, e.next = nil, c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

func (c *Cache[K, G, V]) unlink(e *entry[K, G, V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
