/* The clock fuzzers' plan (fuzz_deadline.c, fuzz_stateful.c), after its `plan:` line:
 * two areas, the school with a calendar of terms, an autumn break and a working
 * Saturday; services counted in working days (on the area's calendar), in months with a
 * rule that changes, urgent by age, and in four stages; compliance indicators; routes
 * to three recipients. */
#pragma once

#define FUZZ_CLOCK_PLAN_BODY FUZZ_CLOCK_PLAN_AREAS FUZZ_CLOCK_PLAN_REST

/* Up to the school, the last area under the town: more may follow, as the town's. */
#define FUZZ_CLOCK_PLAN_AREAS \
	"calendars:\n" \
	"  - id: school-cal\n" \
	"    name: {fi: Lukuvuosi, en: School year}\n" \
	"    extends: national\n" \
	"    terms: [2025-08-07..2025-12-20, 2026-01-07..2026-05-30]\n" \
	"    closed:\n" \
	"      - {from: 2025-10-13, to: 2025-10-17, name: {fi: Syysloma, en: Autumn break}}\n" \
	"    open: [2025-10-04]\n" \
	"areas:\n" \
	"  - id: town\n" \
	"    name: Town\n" \
	"    kind: municipality\n" \
	"    areas:\n" \
	"      - {id: school, name: School, kind: school, calendar: school-cal}\n"

/* The rest: recipients, services, indicators, routes. */
#define FUZZ_CLOCK_PLAN_REST \
	"recipients:\n" \
	"  - {id: sup, name: Supervisor, kind: supervisor}\n" \
	"  - {id: board, name: Welfare board, kind: board}\n" \
	"  - {id: school-team, name: Student welfare group, kind: group, areas: [school]}\n" \
	"services:\n" \
	"  - id: wd\n" \
	"    name: Seven working days\n" \
	"    calendar: unit\n" \
	"    limits: {normal: 7 working days, urgent: same or next working day}\n" \
	"    warn-before: 2 working days\n" \
	"  - id: mo\n" \
	"    name: A month, then three\n" \
	"    limits:\n" \
	"      - {urgency: normal, limit: 1 month, until: 2025-12-31, roll-forward: true}\n" \
	"      - {urgency: normal, limit: 3 months, from: 2026-01-01, until: 2026-12-31,\n" \
	"         roll-forward: true}\n" \
	"      - {urgency: urgent, limit: 2 weeks}\n" \
	"    warn-before: 1 week\n" \
	"  - id: urg\n" \
	"    name: Urgent by age\n" \
	"    limits:\n" \
	"      - {urgency: normal, limit: 14 days}\n" \
	"      - {urgency: urgent, limit: same day, ages: 0-17}\n" \
	"    warn-before: 3 days\n" \
	"  - id: staged\n" \
	"    name: Staged service\n" \
	"    calendar: school-cal\n" \
	"    stages:\n" \
	"      - {id: a, name: First, limits: {normal: same working day, urgent: same day}}\n" \
	"      - {id: b, name: Second, starts: after a, calendar: unit,\n" \
	"         limits: {normal: 7 working days}, warn-before: 2 working days}\n" \
	"      - {id: c, name: Third, starts: event, calendar: national,\n" \
	"         limits: {normal: 3 months}, warn-before: 2 weeks}\n" \
	"      - id: d\n" \
	"        name: Fourth, at the request too\n" \
	"        limits:\n" \
	"          - {urgency: normal, limit: 1 month}\n" \
	"          - {urgency: urgent, limit: same day, ages: 0-17}\n" \
	"indicators:\n" \
	"  - id: wd-in-time\n" \
	"    name: Seven working days kept\n" \
	"    unit: percent\n" \
	"    direction: higher-is-better\n" \
	"    target: 100\n" \
	"    warning: 90\n" \
	"    critical: 80\n" \
	"    cadence: continuous\n" \
	"    breakdown: [gender, area, language-group, age-group]\n" \
	"    source: {kind: compliance, service: wd}\n" \
	"  - id: staged-b-in-time\n" \
	"    name: Second stage kept\n" \
	"    unit: percent\n" \
	"    direction: higher-is-better\n" \
	"    target: 99\n" \
	"    cadence: continuous\n" \
	"    source: {kind: compliance, service: staged, stage: b}\n" \
	"  - id: mo-kept\n" \
	"    name: Months kept, the wrong way round\n" \
	"    unit: percent\n" \
	"    direction: lower-is-better\n" \
	"    target: 10\n" \
	"    warning: 20\n" \
	"    critical: 30\n" \
	"    cadence: continuous\n" \
	"    breakdown: [language-group]\n" \
	"    source: {kind: compliance, service: mo}\n" \
	"routes:\n" \
	"  - kinds: [deadline-warning, deadline-missed, resolved, indicator-threshold,\n" \
	"            indicator-stale, compliance-below-target, measure-overdue, absence-level,\n" \
	"            escalation]\n" \
	"    to: sup\n" \
	"  - {kinds: deadline-missed, min-severity: critical, to: board,\n" \
	"     escalate: {after: 2 working days, to: board}}\n" \
	"  - {kinds: [deadline-warning, resolved], areas: [school], to: school-team}\n" \
	"  - {kinds: compliance-below-target, services: [wd], to: board}\n"
