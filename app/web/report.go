package web

import (
	"fmt"
	"html/template"

	"librecours/certificates"
)

// reportCharts draws the report's two charts, localized.
func (s *Server) reportCharts(tr *translator, v *reportView) (template.HTML, template.HTML) {
	dist := certificates.GradeDistribution{
		Title:     tr.T("app.report.grades_title"),
		Desc:      tr.T("app.report.grades_desc", "Code", v.Session.Code),
		AxisLabel: tr.T("app.report.grades_axis"),
	}
	funnel := certificates.Funnel{
		Title: tr.T("app.report.funnel_title"),
		Desc:  tr.T("app.report.funnel_desc", "Code", v.Session.Code),
		Steps: []certificates.FunnelStep{{Label: tr.T("app.report.funnel_enrolled"), Count: v.Report.Participants}},
	}
	for _, p := range v.Parts {
		label := tr.T("app.part.number", "Part", p.Part)
		dist.Parts = append(dist.Parts, certificates.PartGrades{Label: label, Grades: p.Grades})
		funnel.Steps = append(funnel.Steps, certificates.FunnelStep{Label: fmt.Sprintf("%s · %s", label, tr.T("app.report.funnel_submitted")), Count: p.Submitted})
	}
	funnel.Steps = append(funnel.Steps,
		certificates.FunnelStep{Label: tr.T("app.report.funnel_validated"), Count: v.Report.Validated},
		certificates.FunnelStep{Label: tr.T("app.report.funnel_level2"), Count: v.Report.Level2})
	return certificates.GradeDistributionSVG(dist), certificates.FunnelSVG(funnel)
}
