package rpc

import (
	"context"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// GetStatistics implements forsok.v1.ApplicationService: the public statistics, the
// same for every caller (trial.Statistics.Report, which the web pages show too).
func (s *Server) GetStatistics(ctx context.Context, _ *forsokv1.GetStatisticsRequest) (*forsokv1.Statistics, error) {
	stats, err := s.svc.GetStatistics(ctx)
	if err != nil {
		return nil, err
	}
	r := stats.Report()
	out := &forsokv1.Statistics{
		Applications:      tallyProto(r.Applications),
		Trials:            tallyProto(r.Trials),
		Outcomes:          countsProto(r.Outcomes),
		LastEventSequence: stats.LastSequence,
	}
	for _, p := range r.ProcessingTimes {
		out.ProcessingTimes = append(out.ProcessingTimes, &forsokv1.ProcessingTime{Year: int32(p.Year), Decisions: int32(p.Decisions), MedianDays: int32(p.MedianDays), P90Days: int32(p.P90Days)})
	}
	for _, a := range r.Answers {
		out.Answers = append(out.Answers, &forsokv1.AnswerShare{Year: int32(a.Year), OnTime: int32(a.OnTime), Late: int32(a.Late), PercentOnTime: int32(a.Percent)})
	}
	for _, c := range r.Consultations {
		out.Consultations = append(out.Consultations, &forsokv1.MinistryConsultations{Ministry: c.Ministry, Answered: int32(c.Answered), OnTime: int32(c.OnTime), PercentOnTime: int32(c.Percent)})
	}
	return out, nil
}

func tallyProto(t trial.TallyReport) *forsokv1.Tally {
	return &forsokv1.Tally{Total: int32(t.Total), ByState: countsProto(t.ByState), ByCategory: countsProto(t.ByCategory),
		ByCounty: countsProto(t.ByCounty), ByYear: countsProto(t.ByYear)}
}

func countsProto(rows []trial.Count) []*forsokv1.StatisticsCount {
	out := make([]*forsokv1.StatisticsCount, len(rows))
	for i, c := range rows {
		out[i] = &forsokv1.StatisticsCount{Key: c.Key, Count: int32(c.Count)}
	}
	return out
}
