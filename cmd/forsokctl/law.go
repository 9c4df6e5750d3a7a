package main

// The commands of domain.md's sharper readings: KDD confirms who owns a law (R16) and
// records its legal review of a flagged exemption (R19); a co-applicant withdraws its
// participation (R8+).

import (
	"context"
	"math"
	"strconv"
	"strings"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

func setupConfirmLawOwner(f *flags) runFunc {
	req := &forsokv1.ConfirmLawOwnerRequest{}
	f.text(&req.LawId, "law", "law_id", "the Lovdata `id` of a law the case departs from and the reference data does not know")
	f.text(&req.Ministry, "ministry", "ministry", "the `code` of the ministry that owns it")
	f.text(&req.Reasons, "reasons", "reasons", "why that ministry owns it (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.ConfirmLawOwner(ctx, req)
	})
}

func setupRecordLegalReview(f *flags) runFunc {
	req := &forsokv1.RecordLegalReviewRequest{}
	index := f.Int("exemption", -1, "the `index` of the flagged exemption, from 0")
	f.fields["exemption_index"] = "exemption"
	conclusion := f.enum(forsokv1.LegalReview_Conclusion_value, false, "conclusion", "conclusion", "the review's conclusion")
	f.text(&req.Reasons, "reasons", "reasons", "the legal reasoning (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		if *index < 0 || *index > math.MaxInt32 {
			return nil, usagef("-exemption %d: give the index of a flagged exemption, from 0", *index)
		}
		req.ExemptionIndex = int32(*index)
		req.Conclusion = forsokv1.LegalReview_Conclusion(conclusion.first())
		return s.api.RecordLegalReview(ctx, req)
	})
}

func setupWithdrawParticipation(f *flags) runFunc {
	req := &forsokv1.WithdrawParticipationRequest{}
	f.text(&req.OrganisationNumber, "org", "organisation_number", "your organisation number (`orgnr`)")
	f.text(&req.Reason, "reason", "reason", "why you withdraw, e.g. your council's rescinding decision (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.WithdrawParticipation(ctx, req)
	})
}

// grantedFlag parses approve's -grant-exemptions, "0,2": the indexes of the exemptions
// granted by a partial approval (R18).
type grantedFlag struct{ values *[]int32 }

func (g grantedFlag) String() string {
	if g.values == nil {
		return ""
	}
	var s []string
	for _, v := range *g.values {
		s = append(s, strconv.Itoa(int(v)))
	}
	return strings.Join(s, ",")
}

func (g grantedFlag) Set(s string) error {
	*g.values = nil
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 32)
		if err != nil || n < 0 {
			return usagef("%q is not an exemption index: give indexes from 0, comma-separated", part)
		}
		*g.values = append(*g.values, int32(n))
	}
	return nil
}
