// Package splitmix is a small deterministic random source (SplitMix64) for
// the data generators: the data they write never changes when the standard
// library's generators do.
package splitmix

// Source yields the SplitMix64 sequence that starts from its seed.
type Source struct{ state uint64 }

// New returns a source seeded with seed.
func New(seed uint64) *Source { return &Source{state: seed} }

// Next returns the next 64 random bits.
func (r *Source) Next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Float returns a number in [0, 1).
func (r *Source) Float() float64 { return float64(r.Next()>>11) / (1 << 53) }

// Between returns a number in [lo, hi).
func (r *Source) Between(lo, hi float64) float64 { return lo + (hi-lo)*r.Float() }

// Intn returns a whole number in [lo, hi], both included.
func (r *Source) Intn(lo, hi int) int { return lo + int(r.Next()%uint64(hi-lo+1)) }
