package server

import (
	"context"
	"errors"
	"io"

	"github.com/forsok/forsok/internal/noark"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// archiveExport is rpc.Config.Archive: the Noark 5 arkivuttrekk (package noark) of the
// ended cases the filter matches, as a tar of avleveringspakke/, read from the
// service's store in one snapshot, dated by the service's clock.
func archiveExport(svc *workflow.Service) func(context.Context, *trial.Filter, io.Writer) (int, int, error) {
	return func(ctx context.Context, filter *trial.Filter, w io.Writer) (int, int, error) {
		if svc.Documents.Content == nil {
			return 0, 0, trial.Errorf(trial.CodeUnimplemented, "this server stores no documents")
		}
		now := svc.Now()
		tw := noark.NewTarWriter(w, now)
		sum, err := noark.Export(ctx, svc.Store, svc.Documents.Content, noark.Options{Filter: filter, Now: now, Location: svc.Location}, tw)
		if errors.Is(err, noark.ErrNoCases) {
			return 0, 0, trial.Errorf(trial.CodeNotFound, "no ended case with a case number matches the filter")
		}
		if err != nil {
			return 0, 0, err
		}
		return sum.Cases, sum.Documents, tw.Close()
	}
}
