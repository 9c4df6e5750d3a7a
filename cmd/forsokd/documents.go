package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/forsok/forsok/internal/clamd"
	"github.com/forsok/forsok/internal/workflow"
)

// configureDocuments gives the service its document store, limits, staging directory
// and virus scanner. Uploads are staged in DATA/tmp, on the data's own file system;
// what a crash left there is removed.
func (m *Main) configureDocuments(svc *workflow.Service) error {
	if m.Config.MaxDocumentBytes < 1 || m.Config.MaxCaseDocumentBytes < m.Config.MaxDocumentBytes {
		return fmt.Errorf("-max-document-bytes must be positive and at most -max-case-document-bytes")
	}
	tmp := filepath.Join(m.Config.DataDir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear the upload staging directory: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("create the upload staging directory: %w", err)
	}
	svc.Documents = workflow.DocumentConfig{Content: m.store, TempDir: tmp,
		MaxBytes: int64(m.Config.MaxDocumentBytes), MaxCaseBytes: int64(m.Config.MaxCaseDocumentBytes)}
	if m.Config.Clamd != "" {
		c, err := clamd.Parse(m.Config.Clamd)
		if err != nil {
			return err
		}
		svc.Documents.Scanner = c
		m.Logger.Info("virus scanning with clamd", "address", m.Config.Clamd)
	} else {
		m.Logger.Warn("no virus scanner (-clamd): uploaded documents stay PENDING, fetched only by their uploader and KDD, never public")
	}
	return nil
}
