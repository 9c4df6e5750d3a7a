package boltstore

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// The nodes of a compiled query: each checks a case by point lookups, estimates its
// size from its index entries and, where it can, lists its cases (list.go describes how).

// entryNode: the case has the index entry prefix + id.
type entryNode struct {
	bucket *bolt.Bucket
	prefix []byte
	est    int
}

func (l *lister) entryNode(bucket []byte, prefix []byte) *entryNode {
	return &entryNode{bucket: l.tx.Bucket(bucket), prefix: prefix, est: -1}
}

func (n *entryNode) match(l *lister, c *candidate) bool { return l.has(n.bucket, n.prefix, c.id) }

func (n *entryNode) estimate(*lister, mode) int {
	if n.est < 0 {
		n.est = countRange(n.bucket, n.prefix, prefixEnd(n.prefix), estimateCap)
	}
	return n.est
}

func (n *entryNode) list(_ *lister, after string, desc bool) idIter {
	var from []byte
	if after != "" {
		from = append(slices.Clone(n.prefix), after...)
	}
	next := keyRange(n.bucket, n.prefix, prefixEnd(n.prefix), desc, from)
	return func() (string, bool) {
		k, ok := next()
		if !ok {
			return "", false
		}
		return string(k[len(n.prefix):]), true
	}
}

func (n *entryNode) scan(l *lister) idIter { return n.list(l, "", false) }

// stateNode: the case is in one of the states. It lists from idx_state and checks in
// list_keys (one lookup for any number of states).
type stateNode struct {
	states  []string
	entries []*entryNode
	est     int
}

func (l *lister) stateNode(states []string) *stateNode {
	n := &stateNode{states: states, est: -1}
	for _, s := range states {
		n.entries = append(n.entries, l.entryNode(bucketIdxState, prefix(s)))
	}
	return n
}

func (n *stateNode) match(l *lister, c *candidate) bool {
	rec, ok := l.record(c)
	if !ok {
		return false
	}
	state := rec.state()
	return slices.ContainsFunc(n.states, func(s string) bool { return string(state) == s })
}

func (n *stateNode) estimate(l *lister, m mode) int {
	if n.est < 0 {
		n.est = 0
		for _, e := range n.entries {
			if n.est += e.estimate(l, m); n.est >= estimateCap {
				n.est = estimateCap
				break
			}
		}
	}
	return n.est
}

func (n *stateNode) list(l *lister, after string, desc bool) idIter {
	return listMerged(l, n.entries, after, desc)
}

// scan lists one state after the other: a case is in one state, so none comes twice.
func (n *stateNode) scan(l *lister) idIter {
	i := 0
	var cur idIter
	return func() (string, bool) {
		for i < len(n.entries) {
			if cur == nil {
				cur = n.entries[i].scan(l)
			}
			if id, ok := cur(); ok {
				return id, true
			}
			i, cur = i+1, nil
		}
		return "", false
	}
}

// rangeNode: a key of the case in list_keys lies in a range, which is a range of its
// time- or date-ordered index. In any order it scans that range. In id order it must
// sort the range first, so it lists only when the range is small.
type rangeNode struct {
	bucket *bolt.Bucket
	lo, hi []byte                // the index keys in [lo, hi); nil: no bound
	idOf   func(k []byte) []byte // the id in an index key
	in     func(rec listRecord) bool
	est    int
	// A time range is [loNs, hiNs) of get, in the index named index; the ranges of one
	// index can be merged.
	index      string
	get        func(listRecord) uint64
	loNs, hiNs uint64
}

// timeComparison compiles a comparison of create_time or update_time.
func (l *lister) timeComparison(bucket []byte, get func(listRecord) uint64, f *trial.Filter) (node, error) {
	v := timeNanos(f.TimeValue())
	lo, hi := uint64(0), uint64(math.MaxUint64)
	switch f.Op {
	case trial.FilterEq, trial.FilterNe:
		lo, hi = v, v+1
	case trial.FilterLt:
		hi = v
	case trial.FilterLe:
		hi = v + 1
	case trial.FilterGt:
		lo = v + 1
	case trial.FilterGe:
		lo = v
	default:
		return nil, fmt.Errorf("boltstore: %s does not take %s", f.Field, f.Op)
	}
	n := l.timeRange(string(bucket), get, lo, hi)
	if f.Op == trial.FilterNe {
		return notNode{n}, nil
	}
	return n, nil
}

// timeRange: get of the case is in [lo, hi). Its index keys are BE64(time) + id.
func (l *lister) timeRange(index string, get func(listRecord) uint64, lo, hi uint64) *rangeNode {
	n := &rangeNode{bucket: l.tx.Bucket([]byte(index)), lo: encodeUint(lo), index: index, get: get, loNs: lo, hiNs: hi, est: -1,
		idOf: func(k []byte) []byte { return k[min(8, len(k)):] },
		in: func(rec listRecord) bool {
			t := get(rec)
			return t >= lo && t < hi
		}}
	if hi != math.MaxUint64 {
		n.hi = encodeUint(hi)
	}
	return n
}

// dueRange: the case's date (period end, evaluation due) is set and on or before due.
// Its index keys are date + 0x00 + id: those of due and before sort below due + 0x01.
func (l *lister) dueRange(bucket []byte, due string, get func(listRecord) []byte) *rangeNode {
	return &rangeNode{bucket: l.tx.Bucket(bucket), hi: append([]byte(due), sep+1), est: -1,
		idOf: func(k []byte) []byte { return k[bytes.IndexByte(k, sep)+1:] },
		in: func(rec listRecord) bool {
			d := get(rec)
			return len(d) > 0 && string(d) <= due
		}}
}

func (n *rangeNode) match(l *lister, c *candidate) bool {
	rec, ok := l.record(c)
	return ok && n.in(rec)
}

func (n *rangeNode) estimate(_ *lister, m mode) int {
	if n.est < 0 {
		n.est = countRange(n.bucket, n.lo, n.hi, estimateCap)
	}
	if m == inIDOrder && n.est >= estimateCap {
		return noList // too many to sort by id for every page
	}
	return n.est
}

func (n *rangeNode) list(l *lister, after string, desc bool) idIter {
	var ids []string
	next := n.scan(l)
	for id, ok := next(); ok; id, ok = next() {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return sliceIter(ids, after, desc)
}

func (n *rangeNode) scan(*lister) idIter {
	next := keyRange(n.bucket, n.lo, n.hi, false, nil)
	return func() (string, bool) {
		k, ok := next()
		if !ok {
			return "", false
		}
		return string(n.idOf(k)), true
	}
}

// andNode lists the cases of its most selective child that can list, and checks the
// others.
type andNode struct {
	args []node
	est  [2]int // by mode
	best [2]int // the child that lists, by mode
}

func (n *andNode) match(l *lister, c *candidate) bool {
	for _, a := range n.args {
		if !a.match(l, c) {
			return false
		}
	}
	return true
}

func (n *andNode) estimate(l *lister, m mode) int {
	if n.est[m] < 0 {
		n.est[m], n.best[m] = noList, -1
		for i, a := range n.args {
			if e := a.estimate(l, m); e < n.est[m] {
				n.est[m], n.best[m] = e, i
			}
		}
	}
	return n.est[m]
}

// checked passes on the ids of src that meet every child but the one at skip.
func (n *andNode) checked(l *lister, src idIter, skip int) idIter {
	return filterIter(src, func(id string) bool {
		c := &candidate{id: id}
		for i, a := range n.args {
			if i != skip && !a.match(l, c) {
				return false
			}
		}
		return true
	})
}

func (n *andNode) list(l *lister, after string, desc bool) idIter {
	n.estimate(l, inIDOrder)
	best := n.best[inIDOrder]
	return n.checked(l, n.args[best].list(l, after, desc), best)
}

func (n *andNode) scan(l *lister) idIter {
	n.estimate(l, anyOrder)
	best := n.best[anyOrder]
	return n.checked(l, n.args[best].scan(l), best)
}

// orNode merges its children's lists; it can list only when all of them can.
type orNode struct {
	args []node
	est  [2]int
}

func (n *orNode) match(l *lister, c *candidate) bool {
	for _, a := range n.args {
		if a.match(l, c) {
			return true
		}
	}
	return false
}

func (n *orNode) estimate(l *lister, m mode) int {
	if n.est[m] < 0 {
		n.est[m] = 0
		for _, a := range n.args {
			e := a.estimate(l, m)
			if e == noList {
				n.est[m] = noList
				break
			}
			n.est[m] = min(n.est[m]+e, estimateCap)
		}
	}
	return n.est[m]
}

func (n *orNode) list(l *lister, after string, desc bool) idIter {
	return listMerged(l, n.args, after, desc)
}

// listMerged lists the cases of any of the nodes in id order: their lists, merged.
func listMerged[N node](l *lister, nodes []N, after string, desc bool) idIter {
	its := make([]idIter, len(nodes))
	for i, n := range nodes {
		its[i] = n.list(l, after, desc)
	}
	return merge(its, desc)
}

// scan gives each child's cases in turn, skipping those an earlier child gave.
func (n *orNode) scan(l *lister) idIter {
	seen := map[string]bool{}
	i := 0
	var cur idIter
	return func() (string, bool) {
		for i < len(n.args) {
			if cur == nil {
				cur = n.args[i].scan(l)
			}
			id, ok := cur()
			if !ok {
				i, cur = i+1, nil
				continue
			}
			if !seen[id] {
				seen[id] = true
				return id, true
			}
		}
		return "", false
	}
}

// notNode: the case does not meet the condition. It cannot list.
type notNode struct{ arg node }

func (n notNode) match(l *lister, c *candidate) bool { return !n.arg.match(l, c) }
func (notNode) estimate(*lister, mode) int           { return noList }
func (notNode) list(*lister, string, bool) idIter    { return nil }
func (notNode) scan(*lister) idIter                  { return nil }

// trueNode matches every case: a query without conditions. It cannot list.
type trueNode struct{}

func (trueNode) match(*lister, *candidate) bool    { return true }
func (trueNode) estimate(*lister, mode) int        { return noList }
func (trueNode) list(*lister, string, bool) idIter { return nil }
func (trueNode) scan(*lister) idIter               { return nil }
