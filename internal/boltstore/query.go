package boltstore

import (
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Query compilation: a trial.Query becomes a tree of nodes (nodes.go) that the plans in
// list.go ask to check, count and list cases.

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

// valueIndexes are the indexes of the filter fields a case matches by having the value
// among its values: their keys are value + 0x00 + id (compositeKey).
var valueIndexes = map[string][]byte{
	trial.FilterFieldApplicant: bucketIdxApplicant, trial.FilterFieldMunicipality: bucketIdxMunicipality,
	trial.FilterFieldMinistry: bucketIdxMinistry, trial.FilterFieldCategory: bucketIdxCategory,
	trial.FilterFieldLaw: bucketIdxLaw, trial.FilterFieldFlag: bucketIdxFlag,
	trial.FilterFieldCounty: bucketIdxCounty, trial.FilterFieldTitle: bucketIdxTitle,
	trial.FilterFieldCall: bucketIdxCall, trial.FilterFieldStage: bucketIdxStage,
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
		return nil, errNUL
	}
	var n node
	switch bucket, byValue := valueIndexes[f.Field]; {
	case byValue:
		n = l.entryNode(bucket, prefix(f.Value))
	case f.Field == trial.FilterFieldState:
		n = l.stateNode([]string{f.Value})
	case f.Field == trial.FilterFieldCaseNumber:
		n = l.entryNode(bucketIdxCaseNumber, caseNumberKey(f.Value))
	case f.Field == trial.FilterFieldCreateTime:
		return l.timeComparison(bucketIdxCreateTime, listRecord.createTime, f)
	case f.Field == trial.FilterFieldUpdateTime:
		return l.timeComparison(bucketIdxUpdateTime, listRecord.updateTime, f)
	case f.Field == trial.FilterFieldEndsWithinDays:
		due := trial.FormatDate(q.Today.AddDate(0, 0, f.DaysValue()))
		return l.dueRange(bucketIdxPeriodEnd, due, listRecord.periodEnd), nil
	case f.Field == trial.FilterFieldEvaluationDueWithinDays:
		due := trial.FormatDate(q.Today.AddDate(0, 0, f.DaysValue()))
		return l.dueRange(bucketIdxEvaluationDue, due, listRecord.evaluationDue), nil
	default:
		return nil, fmt.Errorf("boltstore: cannot filter on %q", f.Field)
	}
	switch f.Op {
	case trial.FilterEq:
		return n, nil
	case trial.FilterNe:
		return notNode{n}, nil
	}
	return nil, fmt.Errorf("boltstore: %s takes = or !=, not %s", f.Field, f.Op)
}
