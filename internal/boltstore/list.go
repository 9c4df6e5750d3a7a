package boltstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
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
	if size <= 0 {
		return nil, "", fmt.Errorf("boltstore: page size %d: the service resolves sizes before asking", size)
	}
	if hasSep(q.ApplicantOrganisation) || hasSep(q.ConsultedMinistry) || slices.ContainsFunc(q.States, func(s trial.State) bool { return hasSep(string(s)) }) {
		return nil, "", errNUL
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
			return nil, "", fmt.Errorf("boltstore: cannot order by %q", order.Field)
		case after != nil && len(after) <= idx.keyLen:
			return nil, "", workflow.ErrBadPageToken
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

// errNUL refuses a query value with the key separator: no value the service accepts has
// one (the filter's values are canonical, the caller's from a checked token), so this is
// a fault, not a request to answer.
var errNUL = errors.New("boltstore: the query contains a NUL byte")

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
