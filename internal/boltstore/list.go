package boltstore

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Page sizes of ListApplications (AIP-158).
const (
	// DefaultPageSize is the page size when the query gives none.
	DefaultPageSize = 50
	// MaxPageSize is the largest page; larger sizes are reduced to it.
	MaxPageSize = 1000
)

// ListApplications implements trial.ReadTx: one page of the cases that match the query
// (trial.Query.Match), in its order, found in the index buckets; only the cases on the
// page are decoded.
//
// The query (the filter ANDed with the visibility restrictions) is compiled into a tree
// of nodes. Every node can check a case by point lookups: has(bucket, value+0x00+id) for
// the index keys (applicant, municipality, ministry, category, law, flag, case number),
// the case's list_keys record for its state, times and due dates. A node can also list
// its cases, and estimates how many by counting its index entries up to estimateCap: an
// index key's entries come in id order; a time or due date range comes in time order,
// so it lists in id order only when it is small enough to sort, and in any order always.
// An AND lists the cases of its most selective child (ties go to the earlier child, and
// the caller's filter comes before the visibility restrictions) and checks the others;
// an OR merges its children's lists; a NOT only checks. ANDed comparisons of one time
// field become one range.
//
// In create_time order (id order) the root's list, from the page token's id on, is the
// page; when the root cannot list (only NOTs, large ranges, no condition) the ids in
// list_keys are checked one by one. In update_time and case_number order two plans run
// in step, one case each at a time, and the first to finish gives the page: (A) walking
// the order's index from the page token and checking each case, quick when matches are
// common; (B) taking all of the root's cases in any order, keeping those after the page
// token by their order key from list_keys, and sorting them, quick when matches are few.
// So a page costs at most about twice the better plan for it.
//
// Page tokens are described in token.go.
func (r *readTx) ListApplications(q trial.Query) ([]*trial.Application, string, error) {
	size := q.PageSize
	switch {
	case size < 0:
		return nil, "", trial.Invalid([]trial.Violation{{Field: "page_size", Reason: "PAGE_SIZE_NEGATIVE", Description: fmt.Sprintf("page_size must not be negative, got %d", size)}})
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	if hasSep(q.ApplicantOrganisation) || hasSep(q.ConsultedMinistry) || slices.ContainsFunc(q.States, func(s trial.State) bool { return hasSep(string(s)) }) {
		return nil, "", trial.Errorf(trial.CodeInvalidArgument, "the query contains a NUL byte")
	}
	order := q.Order
	if order.Field == "" {
		order.Field = trial.OrderCreateTime
	}
	q.Order = order
	fp := queryFingerprint(q)
	var after []byte
	if q.PageToken != "" {
		var err error
		if after, err = r.parsePageToken(q.PageToken, fp); err != nil {
			return nil, "", err
		}
	}

	l := &lister{tx: r.tx, keys: r.tx.Bucket(bucketListKeys)}
	root, err := l.compileQuery(q)
	if err != nil {
		return nil, "", err
	}
	var items []item
	if order.Field == trial.OrderCreateTime {
		items = l.byID(root, string(after), order.Desc, size+1)
	} else {
		idx, ok := orderIndexes[order.Field]
		switch {
		case !ok:
			return nil, "", trial.Errorf(trial.CodeInvalidArgument, "cannot order by %q", order.Field)
		case after != nil && len(after) <= idx.keyLen:
			return nil, "", tokenMalformed()
		}
		items = l.byIndex(root, r.tx.Bucket(idx.bucket), idx.keyLen, idx.key, after, order.Desc, size+1)
	}

	var token string
	if len(items) > size {
		items = items[:size]
		if token, err = r.makePageToken(fp, items[size-1].key); err != nil {
			return nil, "", err
		}
	}
	apps := make([]*trial.Application, 0, len(items))
	for _, it := range items {
		app, err := r.Application(it.id)
		if err != nil {
			return nil, "", fmt.Errorf("boltstore: indexed application %q: %w", it.id, err)
		}
		apps = append(apps, app)
	}
	return apps, token, nil
}

// orderIndexes are the indexes of the orders other than create_time (which is id order):
// their keys are an order key of keyLen bytes and the id, and key gives a case's order
// key from its list_keys record.
var orderIndexes = map[string]struct {
	bucket []byte
	keyLen int
	key    func(listRecord) []byte
}{
	trial.OrderUpdateTime: {bucketIdxUpdateTime, 8, func(r listRecord) []byte { return encodeUint(r.updateTime()) }},
	trial.OrderCaseNumber: {bucketIdxCaseNumber, 16, func(r listRecord) []byte { return slices.Clone(r.caseKey()) }},
}

// item is a case on a page: its id and its key in the page's order.
type item struct {
	id  string
	key []byte
}

// estimateCap is how far a node counts its index entries to estimate its size: enough
// to tell a selective condition from a common one, cheap enough to do for every node.
const estimateCap = 1024

// noList is the estimate of a node that cannot list its cases.
const noList = math.MaxInt

// mode is how a node is asked to list its cases.
type mode int

const (
	// inIDOrder: for a page in id (create_time) order, from a position.
	inIDOrder mode = iota
	// anyOrder: every case once, in any order, for a plan that sorts them itself.
	anyOrder
)

// lister evaluates one query in one read transaction.
type lister struct {
	tx   *bolt.Tx
	keys *bolt.Bucket // list_keys
	buf  []byte
}

// candidate is a case under consideration; its list_keys record is read when a check
// needs it, once.
type candidate struct {
	id     string
	rec    listRecord
	loaded bool
}

func (l *lister) record(c *candidate) (listRecord, bool) {
	if !c.loaded {
		c.rec, c.loaded = listRecord(l.keys.Get([]byte(c.id))), true
	}
	return c.rec, c.rec.valid()
}

// has reports whether bucket holds prefix + id.
func (l *lister) has(bucket *bolt.Bucket, prefix []byte, id string) bool {
	l.buf = append(append(l.buf[:0], prefix...), id...)
	return has(bucket, l.buf)
}

// node is a compiled condition.
type node interface {
	// match reports whether the candidate meets the condition.
	match(l *lister, c *candidate) bool
	// estimate is about how many cases the node lists in mode m, at most estimateCap;
	// noList when it cannot list them in that mode, or not cheaply.
	estimate(l *lister, m mode) int
	// list returns the ids of the cases that meet the condition in id order (descending
	// when desc), strictly after the id after ("": from the first). Only for a node whose
	// estimate inIDOrder is not noList.
	list(l *lister, after string, desc bool) idIter
	// scan returns the ids of the cases that meet the condition, each once, in any order.
	// Only for a node whose estimate anyOrder is not noList.
	scan(l *lister) idIter
}

// idIter returns the next id, or false at the end.
type idIter func() (string, bool)

// compileQuery ANDs the caller's filter with the visibility restrictions. The filter's
// terms come first: when estimates tie, the earlier term lists, and a state restriction
// of a KDD caller (every state but DRAFT) is the least selective term there is.
func (l *lister) compileQuery(q trial.Query) (node, error) {
	var terms []node
	if q.Filter != nil {
		f, err := l.compile(q.Filter, q)
		if err != nil {
			return nil, err
		}
		terms = append(terms, f)
	}
	if q.ApplicantOrganisation != "" {
		terms = append(terms, l.entryNode(bucketIdxApplicant, prefix(q.ApplicantOrganisation)))
	}
	if q.ConsultedMinistry != "" {
		terms = append(terms, l.entryNode(bucketIdxMinistry, prefix(q.ConsultedMinistry)))
	}
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		slices.Sort(states)
		terms = append(terms, l.stateNode(slices.Compact(states)))
	}
	return l.and(terms), nil
}

// and joins terms: nested ANDs are flattened, and the time comparisons of one field are
// merged into one range (create_time >= X AND create_time < Y is one scan, not two
// half-open ones that each cover most cases).
func (l *lister) and(terms []node) node {
	var flat []node
	for _, t := range terms {
		if a, ok := t.(*andNode); ok {
			flat = append(flat, a.args...)
		} else {
			flat = append(flat, t)
		}
	}
	var args []node
	ranges := map[string]int{} // a time range's index → its place in args
	for _, t := range flat {
		if r, ok := t.(*rangeNode); ok && r.get != nil {
			if i, seen := ranges[r.index]; seen {
				prev := args[i].(*rangeNode)
				args[i] = l.timeRange(r.index, r.get, max(prev.loNs, r.loNs), min(prev.hiNs, r.hiNs))
				continue
			}
			ranges[r.index] = len(args)
		}
		args = append(args, t)
	}
	switch len(args) {
	case 0:
		return trueNode{}
	case 1:
		return args[0]
	}
	return &andNode{args: args, est: [2]int{-1, -1}}
}

func (l *lister) compile(f *trial.Filter, q trial.Query) (node, error) {
	switch f.Op {
	case trial.FilterAnd, trial.FilterOr:
		args := make([]node, len(f.Args))
		for i, a := range f.Args {
			n, err := l.compile(a, q)
			if err != nil {
				return nil, err
			}
			args[i] = n
		}
		if f.Op == trial.FilterAnd {
			return l.and(args), nil
		}
		return &orNode{args: args, est: [2]int{-1, -1}}, nil
	case trial.FilterNot:
		if len(f.Args) != 1 {
			return nil, fmt.Errorf("boltstore: NOT with %d arguments", len(f.Args))
		}
		n, err := l.compile(f.Args[0], q)
		return notNode{n}, err
	}
	if hasSep(f.Value) {
		return nil, trial.Errorf(trial.CodeInvalidArgument, "the filter contains a NUL byte")
	}
	var n node
	switch f.Field {
	case trial.FilterFieldState:
		n = l.stateNode([]string{f.Value})
	case trial.FilterFieldApplicant:
		n = l.entryNode(bucketIdxApplicant, prefix(f.Value))
	case trial.FilterFieldMunicipality:
		n = l.entryNode(bucketIdxMunicipality, prefix(f.Value))
	case trial.FilterFieldMinistry:
		n = l.entryNode(bucketIdxMinistry, prefix(f.Value))
	case trial.FilterFieldCategory:
		n = l.entryNode(bucketIdxCategory, prefix(f.Value))
	case trial.FilterFieldLaw:
		n = l.entryNode(bucketIdxLaw, prefix(f.Value))
	case trial.FilterFieldCounty:
		n = l.entryNode(bucketIdxCounty, prefix(f.Value))
	case trial.FilterFieldTitle:
		n = l.entryNode(bucketIdxTitle, prefix(f.Value))
	case trial.FilterFieldFlag:
		n = l.entryNode(bucketIdxFlag, prefix(f.Value))
	case trial.FilterFieldCaseNumber:
		n = l.entryNode(bucketIdxCaseNumber, caseNumberKey(f.Value))
	case trial.FilterFieldCreateTime:
		return l.timeComparison(bucketIdxCreateTime, listRecord.createTime, f)
	case trial.FilterFieldUpdateTime:
		return l.timeComparison(bucketIdxUpdateTime, listRecord.updateTime, f)
	case trial.FilterFieldEndsWithinDays:
		due := trial.FormatDate(q.Today.AddDate(0, 0, f.DaysValue()))
		return l.dueRange(bucketIdxPeriodEnd, due, listRecord.periodEnd), nil
	case trial.FilterFieldEvaluationDueWithinDays:
		due := trial.FormatDate(q.Today.AddDate(0, 0, f.DaysValue()))
		return l.dueRange(bucketIdxEvaluationDue, due, listRecord.evaluationDue), nil
	default:
		return nil, trial.Errorf(trial.CodeInvalidArgument, "cannot filter on %q", f.Field)
	}
	switch f.Op {
	case trial.FilterEq:
		return n, nil
	case trial.FilterNe:
		return notNode{n}, nil
	}
	return nil, trial.Errorf(trial.CodeInvalidArgument, "%s takes = or !=, not %s", f.Field, f.Op)
}

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
	its := make([]idIter, len(n.entries))
	for i, e := range n.entries {
		its[i] = e.list(l, after, desc)
	}
	return merge(its, desc)
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
		return nil, trial.Errorf(trial.CodeInvalidArgument, "%s does not take %s", f.Field, f.Op)
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
	its := make([]idIter, len(n.args))
	for i, a := range n.args {
		its[i] = a.list(l, after, desc)
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

// source returns the ids of the cases that match root, in id order after the id after:
// root's list, or, when it cannot list, every id in list_keys checked.
func (l *lister) source(root node, after string, desc bool) idIter {
	if root.estimate(l, inIDOrder) != noList {
		return root.list(l, after, desc)
	}
	all := (&entryNode{bucket: l.keys}).list(l, after, desc)
	return filterIter(all, func(id string) bool { return root.match(l, &candidate{id: id}) })
}

// byID returns up to limit matching cases in id order after the id after.
func (l *lister) byID(root node, after string, desc bool, limit int) []item {
	var items []item
	next := l.source(root, after, desc)
	for len(items) < limit {
		id, ok := next()
		if !ok {
			break
		}
		items = append(items, item{id: id, key: []byte(id)})
	}
	return items
}

// byIndex returns up to limit matching cases in the order of the index bucket, whose keys
// are an order key of keyLen bytes and the id, strictly after the key after (nil: from
// the first). orderKey gives a case's order key from its list_keys record.
func (l *lister) byIndex(root node, bucket *bolt.Bucket, keyLen int, orderKey func(listRecord) []byte, after []byte, desc bool, limit int) []item {
	// Plan A: walk the index, check each case.
	var walked []item
	walk := keyRange(bucket, nil, nil, desc, after)
	stepWalk := func() bool {
		k, ok := walk()
		if !ok {
			return true
		}
		if len(k) > keyLen {
			id := string(k[keyLen:])
			if root.match(l, &candidate{id: id}) {
				walked = append(walked, item{id: id, key: slices.Clone(k)})
			}
		}
		return len(walked) >= limit
	}
	// Plan B: list the matches, sort them by the order key.
	var listed []item
	var src idIter
	if root.estimate(l, anyOrder) != noList {
		src = root.scan(l)
	}
	beyond := func(key []byte) bool {
		if after == nil {
			return true
		}
		c := bytes.Compare(key, after)
		return c > 0 && !desc || c < 0 && desc
	}
	sortListed := func() {
		slices.SortFunc(listed, func(a, b item) int {
			if desc {
				return bytes.Compare(b.key, a.key)
			}
			return bytes.Compare(a.key, b.key)
		})
		listed = listed[:min(len(listed), limit)]
	}
	stepList := func() bool {
		id, ok := src()
		if !ok {
			sortListed()
			return true
		}
		c := &candidate{id: id}
		rec, ok := l.record(c)
		if !ok {
			return false
		}
		if key := append(orderKey(rec), id...); beyond(key) {
			listed = append(listed, item{id: id, key: key})
			if len(listed) >= 4*limit+1024 {
				sortListed()
			}
		}
		return false
	}
	for {
		if stepWalk() {
			return walked
		}
		if src != nil && stepList() {
			return listed
		}
	}
}

// keyRange iterates b's keys in [lo, hi) (nil lo: from the first, nil hi: to the last),
// ascending or descending, strictly after from in that direction (nil: from the start).
// The keys are bbolt's memory, valid until the transaction ends.
func keyRange(b *bolt.Bucket, lo, hi []byte, desc bool, from []byte) func() ([]byte, bool) {
	c := b.Cursor()
	started := false
	return func() ([]byte, bool) {
		var k []byte
		switch {
		case started && desc:
			k, _ = c.Prev()
		case started:
			k, _ = c.Next()
		case desc:
			// The last key below end, where end is the lower of hi and from.
			end := hi
			if from != nil && (end == nil || bytes.Compare(from, end) < 0) {
				end = from
			}
			if end == nil {
				k, _ = c.Last()
			} else if k, _ = c.Seek(end); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		default:
			start := lo
			if from != nil && bytes.Compare(from, start) >= 0 {
				start = from
			}
			if k, _ = c.Seek(start); k != nil && from != nil && bytes.Equal(k, from) {
				k, _ = c.Next()
			}
		}
		started = true
		if k == nil || desc && lo != nil && bytes.Compare(k, lo) < 0 || !desc && hi != nil && bytes.Compare(k, hi) >= 0 {
			return nil, false
		}
		return k, true
	}
}

// countRange counts b's keys in [lo, hi), up to limit.
func countRange(b *bolt.Bucket, lo, hi []byte, limit int) int {
	next := keyRange(b, lo, hi, false, nil)
	n := 0
	for _, ok := next(); ok && n < limit; _, ok = next() {
		n++
	}
	return n
}

// prefixEnd returns the first key after every key that starts with p, nil when there is
// none (p is empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// sliceIter iterates sorted ids strictly after after.
func sliceIter(ids []string, after string, desc bool) idIter {
	i, j := 0, len(ids) // the ids left are ids[i:j]
	if after != "" {
		pos, found := slices.BinarySearch(ids, after)
		if desc {
			j = pos
		} else if i = pos; found {
			i++
		}
	}
	return func() (string, bool) {
		if i >= j {
			return "", false
		}
		if desc {
			j--
			return ids[j], true
		}
		i++
		return ids[i-1], true
	}
}

// filterIter passes on the ids of it that keep accepts.
func filterIter(it idIter, keep func(string) bool) idIter {
	return func() (string, bool) {
		for {
			id, ok := it()
			if !ok || keep(id) {
				return id, ok
			}
		}
	}
}

// merge combines id iterators of one direction into one, without duplicates.
func merge(its []idIter, desc bool) idIter {
	if len(its) == 1 {
		return its[0]
	}
	heads := make([]string, len(its))
	live := make([]bool, len(its))
	for i, it := range its {
		heads[i], live[i] = it()
	}
	before := func(a, b string) bool { return a < b && !desc || a > b && desc }
	return func() (string, bool) {
		best := -1
		for i := range its {
			if live[i] && (best < 0 || before(heads[i], heads[best])) {
				best = i
			}
		}
		if best < 0 {
			return "", false
		}
		id := heads[best]
		for i := range its {
			for live[i] && heads[i] == id {
				heads[i], live[i] = its[i]()
			}
		}
		return id, true
	}
}
