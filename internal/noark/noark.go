// Package noark writes the archive deposit (arkivuttrekk) of ended cases in Noark 5
// version 5.0: the package folder avleveringspakke/ with arkivuttrekk.xml (ADDML 8.3),
// arkivstruktur.xml, endringslogg.xml, loependeJournal.xml, offentligJournal.xml, the
// schemas and DOKUMENT/ with the files, as Arkivverket receives it (issue 12, item 3).
//
// It is an adapter over the workflow's Store and ContentStore ports; it writes only
// through a FileWriter, so that the same package goes to a directory (forsokd
// archive-export) or a tar stream (GET /v1/archive:export). Check verifies a written
// package as Arkivverket's validator (arkade) does.
package noark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// Root is the package folder every path of an export starts with.
const Root = "avleveringspakke"

// FileWriter receives the package's files, in order: name is a slash-separated path
// under Root ("avleveringspakke/DOKUMENT/2026-000042/1.pdf"), size the exact number of
// bytes r yields.
type FileWriter interface {
	WriteFile(name string, size int64, r io.Reader) error
}

// Options choose what an export holds.
type Options struct {
	// Cases are the application ids to export; empty exports every ended case the
	// filter matches. A case named here must have ended.
	Cases []string
	// Filter restricts the ended cases (trial.ParseFilter); nil matches all.
	Filter *trial.Filter
	// Now is the export's time (the clock of the service); it dates the package.
	Now time.Time
	// Location is the calendar dates are written in (Europe/Oslo); nil is UTC.
	Location *time.Location
	// Creator names the body that created the archive (arkivskaper); KDD by default.
	CreatorID, CreatorName string
}

func (o *Options) defaults() {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.CreatorID == "" {
		o.CreatorID = "972417858"
	}
	if o.CreatorName == "" {
		o.CreatorName = "Kommunal- og distriktsdepartementet"
	}
}

// ErrNoCases is returned when nothing matches: Noark's files need at least one case.
var ErrNoCases = errors.New("noark: no ended case with a case number to export")

// exportCase is one case with what the package holds of it.
type exportCase struct {
	app     *trial.Application
	docs    map[string]*trial.Document
	entries []*trial.JournalEntry
	events  []*trial.Event
}

// exportable reports whether a case belongs in a deposit: it has ended (REJECTED,
// WITHDRAWN or CLOSED: saksstatus «Avsluttet») and was received, so has a case number.
func exportable(app *trial.Application) bool {
	return app.State.Terminal() && app.CaseNumber != ""
}

// collect reads the cases in one snapshot.
func collect(ctx context.Context, store workflow.Store, o Options) ([]*exportCase, error) {
	var out []*exportCase
	err := store.View(ctx, func(tx workflow.ReadTx) error {
		var apps []*trial.Application
		if len(o.Cases) > 0 {
			for _, id := range o.Cases {
				app, err := tx.Application(id)
				if errors.Is(err, trial.ErrNotFound) {
					return trial.Errorf(trial.CodeNotFound, "application %s not found", trial.ApplicationName(id))
				}
				if err != nil {
					return err
				}
				if !exportable(app) {
					return trial.Precondition("the case has not ended", []trial.Violation{{Rule: "STATE", Field: "case", Reason: "CASE_NOT_ENDED",
						Description: fmt.Sprintf("%s is %s: only ended cases (REJECTED, WITHDRAWN, CLOSED) with a case number go to the archive", trial.ApplicationName(id), app.State)}})
				}
				apps = append(apps, app)
			}
		} else {
			q := trial.Query{States: []trial.State{trial.StateRejected, trial.StateWithdrawn, trial.StateClosed},
				Filter: o.Filter, Today: o.Now.In(o.Location), PageSize: 200}
			for {
				page, next, err := tx.ListApplications(q)
				if err != nil {
					return err
				}
				for _, app := range page {
					if exportable(app) {
						apps = append(apps, app)
					}
				}
				if next == "" {
					break
				}
				q.PageToken = next
			}
		}
		byID := map[string]*exportCase{}
		for _, app := range apps {
			c := &exportCase{app: app, docs: map[string]*trial.Document{}}
			docs, err := tx.Documents(app.ID)
			if err != nil {
				return err
			}
			for _, d := range docs {
				c.docs[d.ID] = d
			}
			for after := uint64(0); ; {
				evs, err := tx.ListEvents(app.ID, after, 500)
				if err != nil {
					return err
				}
				if len(evs) == 0 {
					break
				}
				c.events = append(c.events, evs...)
				after = evs[len(evs)-1].Sequence
			}
			byID[app.ID] = c
			out = append(out, c)
		}
		for after := ""; ; {
			batch, err := tx.JournalEntries(after, 500)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			for _, e := range batch {
				if c := byID[e.ApplicationID]; c != nil {
					c.entries = append(c.entries, e)
				}
			}
			after = batch[len(batch)-1].ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNoCases
	}
	// The case number's order: year, then sequence.
	slices.SortFunc(out, func(a, b *exportCase) int {
		ay, as := caseYearSeq(a.app.CaseNumber)
		by, bs := caseYearSeq(b.app.CaseNumber)
		if ay != by {
			return ay - by
		}
		return as - bs
	})
	return out, nil
}
