package workflow

// The journal (R21): read by anyone, in full by KDD; screened by KDD.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// Journal page sizes.
const (
	defaultJournalPage = 50
	maxJournalPage     = 500
)

// JournalFilter selects journal entries (AIP-160, a conjunction of comparisons).
type JournalFilter struct {
	ApplicationID string
	Type          trial.JournalEntryType
	From, To      string // journal dates, inclusive
}

var journalTerm = regexp.MustCompile(`^\s*(application|type|journal_date|journalDate)\s*(=|>=|<=)\s*("([^"]*)"|([A-Z_]+))\s*$`)

// ParseJournalFilter parses `application = "applications/2026-000042" AND type = INCOMING
// AND journal_date >= "2026-01-01"`.
func ParseJournalFilter(s string) (JournalFilter, error) {
	var f JournalFilter
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	bad := func(desc string) (JournalFilter, error) {
		return JournalFilter{}, trial.Invalid([]trial.Violation{{Field: "filter", Reason: "INVALID_FILTER", Description: desc}})
	}
	for _, term := range regexp.MustCompile(`\s+AND\s+`).Split(s, -1) {
		m := journalTerm.FindStringSubmatch(term)
		if m == nil {
			return bad(fmt.Sprintf("cannot read %q; the journal is filtered by application = \"applications/ID\", type = INCOMING|OUTGOING|INTERNAL_FOLLOW_UP|INTERNAL_NO_FOLLOW_UP, journal_date >= \"YYYY-MM-DD\" or <=, joined by AND", term))
		}
		field, op, value := m[1], m[2], m[4]+m[5]
		switch {
		case field == "application" && op == "=":
			id, err := trial.ParseApplicationName(value, "filter")
			if err != nil {
				return JournalFilter{}, err
			}
			f.ApplicationID = id
		case field == "type" && op == "=":
			switch t := trial.JournalEntryType(value); t {
			case trial.JournalIncoming, trial.JournalOutgoing, trial.JournalInternalFollowUp, trial.JournalInternalNoFollowUp:
				f.Type = t
			default:
				return bad(fmt.Sprintf("type %q is not a journal entry type", value))
			}
		case (field == "journal_date" || field == "journalDate") && op != "=":
			if _, err := trial.ParseDate(value); err != nil {
				return bad(fmt.Sprintf("%q is not an ISO date", value))
			}
			if op == ">=" {
				f.From = value
			} else {
				f.To = value
			}
		default:
			return bad(fmt.Sprintf("%s cannot be compared with %s", field, op))
		}
	}
	return f, nil
}

func (f JournalFilter) match(e *trial.JournalEntry) bool {
	return (f.ApplicationID == "" || e.ApplicationID == f.ApplicationID) &&
		(f.Type == "" || e.Type == f.Type) &&
		(f.From == "" || e.JournalDate >= f.From) && (f.To == "" || e.JournalDate <= f.To)
}

// ListJournalEntries returns a page of the journal and the token of the next page. KDD
// reads the whole journal; everyone else, the anonymous caller above all, the public
// journal (trial.PublicJournalEntry): the entries of cases KDD has received, without
// ministries' statements, with screened values as "*****" and screened documents
// absent. The page token is the last entry's id.
func (s *Service) ListJournalEntries(ctx context.Context, actor trial.Actor, filter string, pageSize int, pageToken string) ([]*trial.JournalEntry, string, error) {
	f, err := ParseJournalFilter(filter)
	if err != nil {
		return nil, "", err
	}
	size, vs := pageSizeFor(pageSize, defaultJournalPage)
	if err := trial.Invalid(vs); err != nil {
		return nil, "", err
	}
	size = min(size, maxJournalPage)
	if pageToken != "" {
		if _, _, ok := trial.JournalYearSequence(pageToken); !ok {
			return nil, "", trial.Invalid([]trial.Violation{{Field: "page_token", Reason: "INVALID_PAGE_TOKEN", Description: "the page token is not one this method gave"}})
		}
	}
	full := actor.Role.KDD()
	var out []*trial.JournalEntry
	next := ""
	err = s.Store.View(ctx, func(tx ReadTx) error {
		after := pageToken
		apps := map[string]*trial.Application{}
		for len(out) < size {
			batch, err := tx.JournalEntries(after, size)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				next = ""
				return nil
			}
			for _, e := range batch {
				after = e.ID
				if !f.match(e) {
					continue
				}
				shown, err := s.journalView(tx, apps, full, e)
				if err != nil {
					return err
				}
				if shown != nil {
					out = append(out, shown)
					if len(out) == size {
						next = e.ID
						return nil
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if next != "" {
		// A full page ends with next; only a later entry makes it a real page break.
		more, err := s.journalHasAfter(ctx, next)
		if err != nil {
			return nil, "", err
		}
		if !more {
			next = ""
		}
	}
	return out, next, nil
}

func (s *Service) journalHasAfter(ctx context.Context, after string) (bool, error) {
	more := false
	err := s.Store.View(ctx, func(tx ReadTx) error {
		b, err := tx.JournalEntries(after, 1)
		more = len(b) > 0
		return err
	})
	return more, err
}

// journalView returns the entry as the caller sees it, nil when it is not in the public
// journal.
func (s *Service) journalView(tx ReadTx, apps map[string]*trial.Application, full bool, e *trial.JournalEntry) (*trial.JournalEntry, error) {
	if full {
		return e, nil
	}
	app, ok := apps[e.ApplicationID]
	if !ok {
		var err error
		app, err = tx.Application(e.ApplicationID)
		if err != nil && !errors.Is(err, trial.ErrNotFound) {
			return nil, err
		}
		apps[e.ApplicationID] = app
	}
	if !trial.InPublicJournal(e, app) {
		return nil, nil
	}
	docs, err := entryDocuments(tx, e)
	if err != nil {
		return nil, err
	}
	return trial.PublicJournalEntry(e, docs), nil
}

func entryDocuments(tx ReadTx, e *trial.JournalEntry) ([]*trial.Document, error) {
	var docs []*trial.Document
	for _, id := range e.DocumentIDs {
		d, err := tx.Document(e.ApplicationID, id)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// ScreenJournalEntry withholds parts of an entry, and with "documents" its documents,
// from the public under offentleglova (KDD; R21). The case's history records it.
func (s *Service) ScreenJournalEntry(ctx context.Context, call Call, entryID string, in trial.ScreenInput) (*trial.JournalEntry, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	// The journal is public, so whether an entry exists is no secret: the role comes
	// first.
	if err := trial.MayScreen(call.Actor); err != nil {
		return nil, err
	}
	var appID string
	err := s.Store.View(ctx, func(tx ReadTx) error {
		e, err := tx.JournalEntry(entryID)
		if errors.Is(err, trial.ErrNotFound) {
			return trial.Errorf(trial.CodeNotFound, "journal entry %s not found", trial.JournalEntryName(entryID))
		}
		appID = e.ApplicationID
		return err
	})
	if err != nil {
		return nil, err
	}
	b, err := s.run(ctx, call, step{
		action: trial.ActionScreenJournalEntry, id: appID,
		permit:   func(*action) error { return trial.MayScreen(call.Actor) },
		validate: func(*action) []trial.Violation { return in.Validate() },
		apply: func(a *action) error {
			e, err := a.tx.JournalEntry(entryID)
			if err != nil {
				return err
			}
			docs, err := entryDocuments(a.tx, e)
			if err != nil {
				return err
			}
			e.Screen(in, call.Actor.Person(), a.now, docs)
			if err := a.tx.PutJournalEntry(e); err != nil {
				return err
			}
			for _, d := range docs {
				if err := a.tx.PutDocument(d); err != nil {
					return err
				}
			}
			a.event.Comment = "screened under " + e.Screening.LegalBasis
			a.event.Changes = []string{trial.JournalEntryName(entryID) + ".screening"}
			a.result = e
			return nil
		},
		result: func(a *action) any { return a.result },
	})
	if err != nil {
		return nil, err
	}
	var e trial.JournalEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &e, nil
}
