package server

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
func (s *Server) configureDocuments() error {
	if s.Config.MaxDocumentBytes < 1 || s.Config.MaxCaseDocumentBytes < s.Config.MaxDocumentBytes {
		return fmt.Errorf("-max-document-bytes must be positive and at most -max-case-document-bytes")
	}
	tmp := filepath.Join(s.Config.DataDir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear the upload staging directory: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("create the upload staging directory: %w", err)
	}
	s.svc.Documents = workflow.DocumentConfig{Content: s.store, TempDir: tmp,
		MaxBytes: int64(s.Config.MaxDocumentBytes), MaxCaseBytes: int64(s.Config.MaxCaseDocumentBytes)}
	if s.Config.Clamd != "" {
		c, err := clamd.Parse(s.Config.Clamd)
		if err != nil {
			return err
		}
		s.svc.Documents.Scanner = c
		s.logger().Info("virus scanning with clamd", "address", s.Config.Clamd)
	} else {
		s.logger().Warn("no virus scanner (-clamd): uploaded documents stay PENDING, fetched only by their uploader and KDD, never public")
	}
	return nil
}
