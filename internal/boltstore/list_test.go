package boltstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// The listing tests compare the store with a model: the list keys of every stored case
// (trial.ListKeysOf), the query's meaning (trial.Query.Match) and the order's (sortModel).
// The store answers from its indexes; the model decides by looking at every case.

// listToday is the date *_within_days count from in these tests.
var listToday = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Pools the random cases and filters draw from; each has a value no case uses.
var (
	listOrgs           = []string{orgA, orgB, "972417858", "940802652", "964518009", "974760673"}
	listMunicipalities = []string{"3118", "3112", "3909", "0301", "4601"}
	listLaws           = []string{"LOV-2023-06-09-30", "LOV-2008-06-27-71", "LOV-1967-02-10", "FOR-1992-12-11-1050", "LOV-2018-06-22-83"}
	listMinistries     = []string{"KD", "HOD", "SD", "FIN"}
	listCategories     = []trial.Category{"", trial.CategoryOrganisation, trial.CategoryTaskDivision, trial.CategoryStateControl, trial.CategoryUnitaryCounty}
	listBase           = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
)

func pick[T any](rng *rand.Rand, vs []T) T { return vs[rng.IntN(len(vs))] }

// listModel is what the store should hold: the list keys of every case.
type listModel map[string]trial.ListKeys

// randomApplication returns a case with random list keys; the last value of each pool
// is left out, so that filters also ask for what no case has.
func randomApplication(rng *rand.Rand, id string) *trial.Application {
	created := listBase.Add(time.Duration(rng.IntN(300*24)) * time.Hour)
	app := &trial.Application{
		ID: id, State: pick(rng, trial.States), Category: pick(rng, listCategories[:4]),
		Title:      "Forsøk " + id,
		CreateTime: created,
		// Few distinct update times, so that update_time order has ties.
		UpdateTime: created.Add(time.Duration(rng.IntN(4)) * 24 * time.Hour).Truncate(24 * time.Hour),
	}
	if rng.IntN(4) > 0 {
		app.CaseNumber = fmt.Sprintf("%d/%d", 2025+rng.IntN(2), 1+rng.IntN(40))
	}
	for i := range 1 + rng.IntN(3) {
		a := trial.Applicant{OrganisationNumber: pick(rng, listOrgs[:5]), Lead: i == 0}
		if rng.IntN(5) > 0 {
			a.MunicipalityNumber = pick(rng, listMunicipalities[:4])
		}
		app.Applicants = append(app.Applicants, a)
	}
	for range rng.IntN(3) {
		app.Exemptions = append(app.Exemptions, trial.Exemption{LawID: pick(rng, listLaws[:4])})
	}
	for _, f := range trial.CaseFlags[:3] {
		if rng.IntN(4) == 0 {
			app.Flags = append(app.Flags, f)
		}
	}
	if rng.IntN(3) > 0 {
		end := listToday.AddDate(0, 0, rng.IntN(1200)-100)
		app.Decision = &trial.Decision{ApprovedEnd: trial.FormatDate(end)}
		if rng.IntN(3) == 0 {
			app.Extensions = []trial.Extension{{State: trial.ExtensionGranted, ApprovedEnd: trial.FormatDate(end.AddDate(1, 0, 0))}}
		}
	}
	if rng.IntN(2) == 0 {
		app.EvaluationDue = trial.FormatDate(listToday.AddDate(0, 0, rng.IntN(400)-100))
	}
	if rng.IntN(4) == 0 {
		app.EvaluationReport = &trial.EvaluationReport{ReportReference: "Rapport"}
	}
	return app
}

// seedList stores n random cases with random consultations and returns the model.
func seedList(tb testing.TB, s *boltstore.Store, rng *rand.Rand, n int) listModel {
	tb.Helper()
	m := listModel{}
	for done := 0; done < n; {
		batch := min(n-done, 50)
		err := s.Update(context.Background(), func(tx workflow.Tx) error {
			for range batch {
				id, err := tx.NextApplicationID(2026)
				if err != nil {
					return err
				}
				app := randomApplication(rng, id)
				if err := tx.PutApplication(app); err != nil {
					return err
				}
				var cons []*trial.Consultation
				for range rng.IntN(3) {
					cid, err := tx.NextConsultationID(id)
					if err != nil {
						return err
					}
					c := &trial.Consultation{ApplicationID: id, ID: cid, Ministry: pick(rng, listMinistries[:3]), State: trial.ConsultationAnswered}
					if err := tx.PutConsultation(c); err != nil {
						return err
					}
					cons = append(cons, c)
				}
				m[id] = trial.ListKeysOf(app, cons)
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("seed: %v", err)
		}
		done += batch
	}
	return m
}

// want returns the ids the query should list, in its order.
func (m listModel) want(q trial.Query) []string {
	var ids []string
	for id, k := range m {
		if q.Match(k) {
			ids = append(ids, id)
		}
	}
	sortModel(ids, m, q.Order)
	return ids
}

// sortModel sorts ids as trial.Order documents: create_time is id order; update_time
// by time, then id; case_number by year and number with the cases without one after
// all others, then id. Descending reverses all of it.
func sortModel(ids []string, m listModel, o trial.Order) {
	caseKey := func(id string) [2]uint64 {
		y, n, ok := trial.ParseCaseNumber(m[id].CaseNumber)
		if !ok {
			return [2]uint64{1<<64 - 1, 1<<64 - 1}
		}
		return [2]uint64{uint64(y), n}
	}
	slices.SortFunc(ids, func(a, b string) int {
		c := 0
		switch o.Field {
		case trial.OrderUpdateTime:
			c = m[a].UpdateTime.Compare(m[b].UpdateTime)
		case trial.OrderCaseNumber:
			ka, kb := caseKey(a), caseKey(b)
			if c = cmpUint(ka[0], kb[0]); c == 0 {
				c = cmpUint(ka[1], kb[1])
			}
		}
		if c == 0 {
			c = strings.Compare(a, b)
		}
		if o.Desc {
			c = -c
		}
		return c
	})
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// listPages pages through q and returns the ids in order. It fails on a short page
// before the last, or on paging that does not end.
func listPages(tb testing.TB, s *boltstore.Store, q trial.Query) []string {
	tb.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			tb.Fatal("paging does not end")
		}
		var apps []*trial.Application
		var next string
		err := s.View(context.Background(), func(tx workflow.ReadTx) error {
			var err error
			apps, next, err = listPage(tx, q)
			return err
		})
		if err != nil {
			tb.Fatalf("ListApplications(%q, order %s, page %d): %v", q.Filter, q.Order, pages, err)
		}
		for _, a := range apps {
			ids = append(ids, a.ID)
		}
		if next == "" {
			return ids
		}
		if size := q.PageSize; size > 0 && len(apps) != size {
			tb.Fatalf("page %d with a next token: got %d cases, want %d", pages, len(apps), size)
		}
		q.PageToken = next
	}
}

// randomComparison returns a comparison the parser accepts.
func randomComparison(rng *rand.Rand) string {
	op := pick(rng, []string{"=", "=", "!="})
	switch rng.IntN(12) {
	case 0:
		return fmt.Sprintf("state %s %s", op, pick(rng, trial.States))
	case 1:
		return fmt.Sprintf("applicant %s %s", op, pick(rng, listOrgs))
	case 2:
		return fmt.Sprintf("municipality %s %s", op, pick(rng, listMunicipalities))
	case 3:
		return fmt.Sprintf("ministry %s %s", op, pick(rng, listMinistries))
	case 4:
		return fmt.Sprintf("category %s %s", op, pick(rng, listCategories[1:]))
	case 5:
		return fmt.Sprintf("law %s %s", op, pick(rng, listLaws))
	case 6:
		return fmt.Sprintf("flag %s %s", op, pick(rng, trial.CaseFlags))
	case 7:
		return fmt.Sprintf(`case_number %s "%d/%d"`, op, 2025+rng.IntN(2), 1+rng.IntN(45))
	case 8, 9:
		field := pick(rng, []string{"create_time", "update_time"})
		op := pick(rng, []string{"=", "!=", "<", "<=", ">", ">="})
		t := listBase.Add(time.Duration(rng.IntN(320*24)) * time.Hour)
		if rng.IntN(2) == 0 {
			return fmt.Sprintf("%s %s %s", field, op, trial.FormatDate(t))
		}
		return fmt.Sprintf("%s %s %q", field, op, t.Format(time.RFC3339))
	case 10:
		return fmt.Sprintf("ends_within_days = %d", rng.IntN(1300))
	default:
		return fmt.Sprintf("evaluation_due_within_days = %d", rng.IntN(400))
	}
}

func randomFilter(rng *rand.Rand, depth int) string {
	if depth >= 3 || rng.IntN(3) == 0 {
		return randomComparison(rng)
	}
	switch rng.IntN(5) {
	case 0, 1:
		parts := []string{randomFilter(rng, depth+1), randomFilter(rng, depth+1)}
		if rng.IntN(2) == 0 {
			parts = append(parts, randomFilter(rng, depth+1))
		}
		return strings.Join(parts, pick(rng, []string{" AND ", " OR "}))
	case 2:
		return "NOT (" + randomFilter(rng, depth+1) + ")"
	case 3:
		return "-" + randomComparison(rng)
	}
	return "(" + randomFilter(rng, depth+1) + ")"
}

// randomQuery returns a query with a random filter, visibility, order and page size.
func randomQuery(rng *rand.Rand, filter *trial.Filter) trial.Query {
	q := trial.Query{Filter: filter, Today: listToday, PageSize: rng.IntN(8)}
	switch rng.IntN(5) {
	case 0:
		for _, s := range trial.States {
			if rng.IntN(2) == 0 {
				q.States = append(q.States, s)
			}
		}
	case 1:
		q.ApplicantOrganisation = pick(rng, listOrgs)
	case 2:
		q.ConsultedMinistry = pick(rng, listMinistries)
	}
	q.Order = trial.Order{Field: pick(rng, []string{trial.OrderCreateTime, trial.OrderUpdateTime, trial.OrderCaseNumber}), Desc: rng.IntN(2) == 0}
	return q
}

func openListStore(tb testing.TB) *boltstore.Store {
	tb.Helper()
	return bolttest.Open(tb, boltstore.Options{})
}

// TestStore_ListApplicationsModel runs random filters, visibilities, orders and page
// sizes against random cases and compares every listing with the model.
func TestStore_ListApplicationsModel(t *testing.T) {
	s := openListStore(t)
	rng := rand.New(rand.NewPCG(1, 2))
	m := seedList(t, s, rng, 200)
	const queries = 400
	nonEmpty := 0
	for i := range queries {
		text := randomFilter(rng, 0)
		if i%10 == 0 {
			text = ""
		}
		f, err := trial.ParseFilter(text, time.UTC)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", text, err)
		}
		q := randomQuery(rng, f)
		got, want := listPages(t, s, q), m.want(q)
		if len(want) > 0 {
			nonEmpty++
		}
		if !slices.Equal(got, want) {
			t.Fatalf("filter %q, order %s, states %v, applicant %q, ministry %q, page size %d:\ngot  %v\nwant %v",
				f, q.Order, q.States, q.ApplicantOrganisation, q.ConsultedMinistry, q.PageSize, got, want)
		}
	}
	// The comparison proves little if the generator drifts to queries that all list
	// nothing, or all list something: both must be well represented.
	if nonEmpty < queries/4 || queries-nonEmpty < queries/20 {
		t.Errorf("queries listing at least one case: got %d of %d, want from %d to %d", nonEmpty, queries, queries/4, queries-queries/20)
	}
}

// TestStore_ListApplicationsOrders checks the documented orders on a small fixture.
func TestStore_ListApplicationsOrders(t *testing.T) {
	s := mustOpen(t)
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	fixture := []struct {
		caseNumber string
		updated    time.Time
	}{
		{"", day(3)},          // 1: a draft
		{"2026/10", day(1)},   // 2
		{"2025/300", day(3)},  // 3
		{"2026/9", day(2)},    // 4
		{"", day(1)},          // 5: a draft
		{"2026/100", day(-1)}, // 6
	}
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for _, f := range fixture {
			id, err := tx.NextApplicationID(2026)
			if err != nil {
				return err
			}
			a := app(id, trial.StateSubmitted, orgA)
			a.CaseNumber, a.UpdateTime = f.caseNumber, f.updated
			if err := tx.PutApplication(a); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct {
		order string
		want  []string
	}{
		{"", seq(1, 2, 3, 4, 5, 6)},
		{"create_time desc", seq(6, 5, 4, 3, 2, 1)},
		{"update_time", seq(6, 2, 5, 4, 1, 3)},
		{"update_time desc", seq(3, 1, 4, 5, 2, 6)},
		{"case_number", seq(3, 4, 2, 6, 1, 5)},
		{"case_number desc", seq(5, 1, 6, 2, 4, 3)},
	} {
		order, err := trial.ParseOrderBy(tt.order)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{1, 2, 4, 0} {
			for _, q := range []trial.Query{
				{Order: order, PageSize: size},
				// Listed from the applicant's entries and sorted, not from the order's index.
				{Order: order, PageSize: size, ApplicantOrganisation: orgA},
			} {
				if got := listPages(t, s, q); !slices.Equal(got, tt.want) {
					t.Errorf("order %q, page size %d, applicant %q: got %v, want %v", tt.order, size, q.ApplicantOrganisation, got, tt.want)
				}
			}
		}
	}
}

// TestStore_ListApplicationsChangesBetweenPagesByUpdateTime: the next page continues
// strictly after the last position, so a case updated after its page was read comes
// again at its new place, and one updated before its turn moves.
func TestStore_ListApplicationsChangesBetweenPagesByUpdateTime(t *testing.T) {
	s := mustOpen(t)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for i := range 5 {
			id, err := tx.NextApplicationID(2026)
			if err != nil {
				return err
			}
			a := app(id, trial.StateSubmitted, orgA)
			a.UpdateTime = t0.Add(time.Duration(i) * time.Hour)
			if err := tx.PutApplication(a); err != nil {
				return err
			}
		}
		return nil
	})
	q := trial.Query{Order: trial.Order{Field: trial.OrderUpdateTime}, PageSize: 2}
	page, token := pager(t, s, q)
	if got, want := page(), seq(1, 2); !slices.Equal(got, want) {
		t.Fatalf("page 1: got %v, want %v", got, want)
	}
	touch := func(n int, at time.Time) {
		mustUpdate(t, s, func(tx workflow.Tx) error {
			a, err := tx.Application(seq(n)[0])
			if err != nil {
				return err
			}
			a.UpdateTime = at
			return tx.PutApplication(a)
		})
	}
	touch(1, t0.Add(10*time.Hour)) // listed, updated: listed again at the end
	touch(3, t0.Add(-time.Hour))   // not yet listed, moved before the position: skipped
	if got, want := page(), seq(4, 5); !slices.Equal(got, want) {
		t.Errorf("page 2: got %v, want %v", got, want)
	}
	if got, want := page(), seq(1); !slices.Equal(got, want) {
		t.Errorf("page 3: got %v, want %v", got, want)
	}
	if next := token(); next != "" {
		t.Errorf("after page 3: got token %q, want none", next)
	}
}

// base64URL is the alphabet of base64.RawURLEncoding.
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func firstToken(t *testing.T, s *boltstore.Store, q trial.Query) string {
	t.Helper()
	var token string
	mustView(t, s, func(tx workflow.ReadTx) error {
		var err error
		_, token, err = listPage(tx, q)
		return err
	})
	if token == "" {
		t.Fatal("first page: got no next token, want one")
	}
	return token
}

func TestStore_ListApplicationsTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	putListFixture(t, s)
	filter := func(s string) *trial.Filter {
		f, err := trial.ParseFilter(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	q := trial.Query{Filter: filter("state = DRAFT OR applicant = 940931002"), Order: trial.Order{Field: trial.OrderUpdateTime, Desc: true}, PageSize: 1}
	token := firstToken(t, s, q)
	use := func(q trial.Query, token string) error {
		q.PageToken = token
		return s.View(context.Background(), func(tx workflow.ReadTx) error {
			_, _, err := listPage(tx, q)
			return err
		})
	}
	wantRefused := func(t *testing.T, err error, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("got %v, want %v", err, want)
		}
	}
	t.Run("OKSameQueryWrittenDifferently", func(t *testing.T) {
		q2 := q
		q2.Filter, q2.PageSize = filter(`(state="DRAFT") OR (applicant=940931002)`), 50
		if err := use(q2, token); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	for name, q2 := range map[string]trial.Query{
		"ErrOtherFilter":     {Filter: filter("state = DRAFT"), Order: q.Order},
		"ErrOtherOrder":      {Filter: q.Filter, Order: trial.Order{Field: trial.OrderUpdateTime}},
		"ErrOtherVisibility": {Filter: q.Filter, Order: q.Order, ApplicantOrganisation: orgA},
		"ErrOtherStates":     {Filter: q.Filter, Order: q.Order, States: []trial.State{trial.StateDraft}},
	} {
		t.Run(name, func(t *testing.T) { wantRefused(t, use(q2, token), workflow.ErrPageTokenMismatch) })
	}
	t.Run("ErrEdited", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			edited := slices.Clone(raw)
			edited[i] ^= 0x01
			wantRefused(t, use(q, base64.RawURLEncoding.EncodeToString(edited)), workflow.ErrBadPageToken)
		}
		wantRefused(t, use(q, base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1])), workflow.ErrBadPageToken)
		wantRefused(t, use(q, token+"A"), workflow.ErrBadPageToken)
		// Other spellings of the same bytes: a line break, which the decoder skips, and
		// the unused low bits of the last character.
		wantRefused(t, use(q, token[:10]+"\r\n"+token[10:]), workflow.ErrBadPageToken)
		last := strings.IndexByte(base64URL, token[len(token)-1])
		wantRefused(t, use(q, token[:len(token)-1]+string(base64URL[last^1])), workflow.ErrBadPageToken)
	})
	t.Run("ErrOtherStore", func(t *testing.T) {
		other := mustOpen(t)
		putListFixture(t, other)
		err := other.View(context.Background(), func(tx workflow.ReadTx) error {
			q := q
			q.PageToken = token
			_, _, err := listPage(tx, q)
			return err
		})
		wantRefused(t, err, workflow.ErrBadPageToken)
	})
	t.Run("OKAfterRestart", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = mustOpenAt(t, path, boltstore.Options{})
		if err := use(q, token); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
}

// TestStore_ListApplicationsIndexKeysFromStoredData: the indexes PutApplication removes
// come from the stored case's data, decoded in part; that part must give the keys the
// whole case gives.
func TestStore_ListApplicationsIndexKeysFromStoredData(t *testing.T) {
	for _, state := range []trial.State{trial.StateEvaluating, trial.StateExtensionRequested} {
		a := fullApplication("2026-000001")
		a.State = state
		a.EvaluationReport = nil
		a.Applicants = append(a.Applicants, trial.Applicant{OrganisationNumber: orgB, MunicipalityNumber: "3112"})
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := boltstore.StoredListKeys(a.ID, data)
		if err != nil {
			t.Fatal(err)
		}
		if want := trial.ListKeysOf(a, nil); js(got) != js(want) {
			t.Errorf("%s: got %s, want %s", state, js(got), js(want))
		}
	}
}

// TestOpen_MigratesListIndexes: a file from before the list indexes gets them when it is
// opened, and running the migration again changes nothing.
func TestOpen_MigratesListIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := seedList(t, s, rand.New(rand.NewPCG(3, 4)), 60)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	downgrade := func(drop bool) {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			if drop {
				for _, name := range boltstore.ListBuckets() {
					if err := tx.DeleteBucket([]byte(name)); err != nil {
						return err
					}
				}
			}
			return setSchemaVersion(2)(tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, drop := range []bool{true, false} {
		downgrade(drop)
		s, err := boltstore.Open(path, boltstore.Options{})
		if err != nil {
			t.Fatalf("Open after downgrade (drop %v): %v", drop, err)
		}
		if err := s.Check(); err != nil {
			t.Errorf("Check after migration (drop %v): %v", drop, err)
		}
		for _, text := range []string{"", "state = SUBMITTED OR municipality = 3118", "NOT law = LOV-2023-06-09-30 AND update_time >= 2026-03-01"} {
			f, _ := trial.ParseFilter(text, nil)
			q := trial.Query{Filter: f, Today: listToday, Order: trial.Order{Field: trial.OrderCaseNumber}}
			if got, want := listPages(t, s, q), m.want(q); !slices.Equal(got, want) {
				t.Errorf("after migration (drop %v), %q: got %v, want %v", drop, text, got, want)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzListFilter parses random filters and, for each the parser accepts, compares the
// store's listing (every order, a page size from the input) with the model on a small
// seeded store; a refused filter must be refused with a violation on "filter".
func FuzzListFilter(f *testing.F) {
	for _, seed := range []string{
		"", "state = SUBMITTED", "state != DRAFT AND applicant = 940931002",
		"(state = ACTIVE OR state = EXTENSION_REQUESTED) AND ends_within_days = 400",
		"municipality = 3118 OR ministry = KD OR law = LOV-1967-02-10",
		"NOT (category = ORGANISATION) AND case_number != \"2026/3\"",
		`create_time >= "2026-03-01T00:00:00Z" AND update_time < 2026-06-01`,
		"-flag = NEEDS_INTERIM_REPLY OR evaluation_due_within_days = 30",
		"create_time = 2026-02-10 OR update_time != 2026-04-01",
	} {
		f.Add(seed, uint8(0), uint8(3))
	}
	s := openListStore(f)
	m := seedList(f, s, rand.New(rand.NewPCG(5, 6)), 80)
	orders := []trial.Order{
		{Field: trial.OrderCreateTime}, {Field: trial.OrderCreateTime, Desc: true},
		{Field: trial.OrderUpdateTime}, {Field: trial.OrderUpdateTime, Desc: true},
		{Field: trial.OrderCaseNumber}, {Field: trial.OrderCaseNumber, Desc: true},
	}
	f.Fuzz(func(t *testing.T, text string, visibility, size uint8) {
		filter, err := trial.ParseFilter(text, time.UTC)
		if err != nil {
			var e *trial.Error
			if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || len(e.Violations) != 1 || e.Violations[0].Field != "filter" {
				t.Fatalf("ParseFilter(%q): got %v, want INVALID_ARGUMENT on filter", text, err)
			}
			return
		}
		q := trial.Query{Filter: filter, Today: listToday, PageSize: int(size % 9)}
		switch visibility % 4 {
		case 1:
			q.States = []trial.State{trial.StateActive, trial.StateClosed, trial.StateDraft}
		case 2:
			q.ApplicantOrganisation = listOrgs[int(visibility/4)%len(listOrgs)]
		case 3:
			q.ConsultedMinistry = listMinistries[int(visibility/4)%len(listMinistries)]
		}
		for _, o := range orders {
			q.Order = o
			if got, want := listPages(t, s, q), m.want(q); !slices.Equal(got, want) {
				t.Fatalf("filter %q (parsed %q), order %s, visibility %d, page size %d:\ngot  %v\nwant %v", text, filter, o, visibility, q.PageSize, got, want)
			}
		}
	})
}

// FuzzPageToken sends random page tokens: none may panic, and every one is refused with
// a page token error (which the Service turns into a violation on page_token) unless it
// is a token the store issued for that query.
func FuzzPageToken(f *testing.F) {
	s := openListStore(f)
	// A fixed key, so that the committed corpus holds tokens that verify.
	if err := boltstore.SetPageTokenKey(s, bytes.Repeat([]byte{7}, 32)); err != nil {
		f.Fatal(err)
	}
	seedList(f, s, rand.New(rand.NewPCG(7, 8)), 30)
	queries := []trial.Query{
		{PageSize: 2},
		{PageSize: 3, Order: trial.Order{Field: trial.OrderUpdateTime, Desc: true}},
		{PageSize: 4, Order: trial.Order{Field: trial.OrderCaseNumber}, States: []trial.State{trial.StateDraft, trial.StateSubmitted, trial.StateActive, trial.StateClosed}},
	}
	issued := map[string]int{} // token → query
	for i, q := range queries {
		for {
			var next string
			if err := s.View(context.Background(), func(tx workflow.ReadTx) error {
				var err error
				_, next, err = listPage(tx, q)
				return err
			}); err != nil {
				f.Fatal(err)
			}
			if next == "" {
				break
			}
			issued[next] = i
			f.Add(next, uint8(i))
			q.PageToken = next
		}
	}
	f.Add("", uint8(0))
	f.Add("AA", uint8(1))
	f.Fuzz(func(t *testing.T, token string, which uint8) {
		i := int(which) % len(queries)
		q := queries[i]
		q.PageToken = token
		err := s.View(context.Background(), func(tx workflow.ReadTx) error {
			_, _, err := listPage(tx, q)
			return err
		})
		from, ok := issued[token]
		if token == "" || ok && from == i {
			if err != nil {
				t.Fatalf("token %q issued for query %d: got %v, want nil", token, i, err)
			}
			return
		}
		if !errors.Is(err, workflow.ErrBadPageToken) && !errors.Is(err, workflow.ErrPageTokenMismatch) {
			t.Fatalf("token %q for query %d: got %v, want a page token error", token, i, err)
		}
	})
}

// BenchmarkListApplications lists pages of 50 from 100,000 random cases, as KDD
// (visibility: every state but DRAFT) and as a municipality.
func BenchmarkListApplications(b *testing.B) {
	s := openListStore(b)
	rng := rand.New(rand.NewPCG(9, 10))
	for done := 0; done < 100_000; done += 1000 {
		err := s.Update(context.Background(), func(tx workflow.Tx) error {
			for range 1000 {
				id, err := tx.NextApplicationID(2026)
				if err != nil {
					return err
				}
				if err := tx.PutApplication(randomApplication(rng, id)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	kdd := trial.States[1:] // every state but DRAFT
	for _, bc := range []struct {
		name, filter, order string
		applicant           string
	}{
		{"KDD", "", "", ""},
		{"KDDState", "state = IN_REVIEW", "", ""},
		{"KDDStateUpdateTimeDesc", "state = IN_REVIEW", "update_time desc", ""},
		{"KDDUpdateTimeDesc", "", "update_time desc", ""},
		{"KDDCaseNumber", "", "case_number", ""},
		{"KDDMunicipalityOrLaw", "municipality = 3118 OR law = LOV-1967-02-10", "", ""},
		{"KDDCreatedRange", "create_time >= 2026-06-01 AND create_time < 2026-06-08", "", ""},
		{"KDDCreatedRangeByUpdate", "create_time >= 2026-06-01 AND create_time < 2026-06-08", "update_time desc", ""},
		{"KDDEndsWithin", "ends_within_days = 30", "", ""},
		{"KDDRareAndCommon", "applicant = 974760673 AND NOT state = CLOSED", "case_number desc", ""},
		{"Municipality", "", "update_time desc", orgA},
		{"MunicipalityState", "state = DRAFT", "", orgA},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f, err := trial.ParseFilter(bc.filter, time.UTC)
			if err != nil {
				b.Fatal(err)
			}
			o, err := trial.ParseOrderBy(bc.order)
			if err != nil {
				b.Fatal(err)
			}
			q := trial.Query{Filter: f, Order: o, Today: listToday, PageSize: 50, ApplicantOrganisation: bc.applicant}
			if bc.applicant == "" {
				q.States = kdd
			}
			var durations []time.Duration
			for b.Loop() {
				start := time.Now()
				err := s.View(context.Background(), func(tx workflow.ReadTx) error {
					_, _, err := listPage(tx, q)
					return err
				})
				durations = append(durations, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
		})
	}
}
