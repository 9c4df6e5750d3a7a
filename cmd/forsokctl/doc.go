// Command forsokctl is the command-line gRPC client of the forsok service, for KDD's
// case handlers and approvers and for the sector ministries: it lists and shows cases,
// says what needs attention, and takes the workflow's actions.
//
// Usage:
//
//	forsokctl [global flags] COMMAND [flags] [arguments]
//	forsokctl COMMAND -h          the command's flags
//
// Global flags, before the command:
//
//	-addr ADDR       the server's gRPC address (FORSOK_ADDR; default localhost:9090)
//	-token TOKEN     the bearer token (FORSOK_TOKEN); in development `forsokd dev-token -role kdd_handler`
//	-o text|json     output: aligned text, or the response as protojson (also after the command)
//	-timeout D       deadline of the whole command (default 30s; 0 for none)
//	-insecure        plaintext when no -tls-ca is given (default true for now; -insecure=false is TLS with the system's roots)
//	-tls-ca FILE     TLS, trusting the CA certificates in FILE
//
// A flag beats its environment variable. An application is named by its id
// (2026-000042) or resource name (applications/2026-000042); a consultation by
// applications/2026-000042/consultations/1, 2026-000042/consultations/1 or 2026-000042/1.
// Flags and arguments may come in any order after the command.
//
// Reading:
//
//	list [-filter EXPR] [-state S,...] [-applicant ORGNR] [-flag FLAG] [-page-size N] [-page-token T] [-all]
//	                   the cases as a table: id, case number, state, applicants, title, due (and flags)
//	show ID            the case's details, its consultations and its history as a timeline
//	get ID             the case's details (GetApplication)
//	consultations [ID] the case's consultations; without ID the open consultations of every
//	                   case you see, earliest due first (a ministry's work list)
//	events ID          the case's history, oldest first (every page)
//	actions ID [-allowed]
//	                   what the caller may do next, and for each action the rules that fail
//	due [-within DAYS] what needs attention (see below)
//	workflow [-mermaid]
//	                   the state machine's transitions, or its Mermaid diagram
//
// Actions of KDD (each also takes -etag ETAG, to refuse the action if the case changed
// since it was read, and -request-id ID, to make a retry safe):
//
//	assign ID [-handler SUB -handler-name NAME] [-comment TEXT]
//	interim-reply ID -text TEXT [-expected-date DATE]
//	request-changes ID -questions TEXT
//	consult ID -ministry CODE -question TEXT [-due DATE | -due-working-days N]
//	cancel-consultation CONSULTATION -reason TEXT
//	approve ID -start DATE -end DATE -reasons TEXT [-objection-response TEXT] [-regulation-id ID] [-publication REF]
//	        [-publication-date DATE] [-grant-exemptions I,...]      a subset is a partial approval (R18)
//	reject ID -reason-codes CODE,... -reasons TEXT
//	record-publication ID -regulation-id ID -publication REF [-publication-date DATE]
//	activate ID [-comment TEXT]
//	decide-extension ID [-grant -end DATE -amending-regulation-id ID] [-reasons TEXT]
//	end-period ID [-comment TEXT]
//	terminate ID... -reasons TEXT -instrument REF      several ids: one batch, all or none
//	close ID -outcome OUTCOME [-reasons TEXT] [-without-evaluation]
//	confirm-law-owner ID -law LAW_ID -ministry CODE [-reasons TEXT]     R16, a law the reference data does not know
//	legal-review ID -exemption INDEX -conclusion WITHIN_ACT|OUTSIDE_ACT -reasons TEXT   R19
//
// Action of a sector ministry:
//
//	respond CONSULTATION -position POSITION [-statement TEXT]
//
// Actions of a municipality (which mostly uses REST; creating and editing a draft is
// REST only):
//
//	submit ID [-comment TEXT]
//	withdraw ID -reason TEXT
//	confirm-participation ID -org ORGNR -council-body B -council-ref REF -council-date DATE
//	request-extension ID -end DATE -council-body B -council-ref REF -council-date DATE [-reform REF -reform-in-force DATE]
//	submit-evaluation ID -report REF -summary TEXT
//	withdraw-participation ID -org ORGNR -reason TEXT      a co-applicant, before the decision (R8+)
//
// Calls for applications (R20; calls needs no token for a published call):
//
//	calls [CALL]       the calls; with CALL (2027-01 or calls/2027-01) the call and its
//	                   statistics: received, selected, declined, by county and theme
//	select ID... -reasons TEXT [-final-deadline DATE] [-decline ID,... -reason-codes CODE,...]
//	                   select preliminary applications → SELECTED; several ids, or -decline,
//	                   make one decision on the call's applications, all or none
//	decline ID... -reason-codes CODE,... -reasons TEXT
//	                   decline preliminary applications (or a selected one that missed its
//	                   final deadline) → NOT_SELECTED; several ids: all or none
//
// Documents and the journal (R21, R22; a document is 2026-000042/1,
// 2026-000042/documents/1 or applications/2026-000042/documents/1):
//
//	documents ID       the case's documents: name, kind, size, scan state, public, journal entry, title
//	upload ID FILE -title TEXT -kind KIND [-filename NAME] [-public] [-public-title TEXT]
//	       [-document-date DATE] [-consultation CONSULTATION]
//	                   attach FILE (- for stdin, with -filename), streamed in 256 KiB chunks
//	download DOCUMENT [-out FILE] [-force]
//	                   the bytes to FILE (renamed into place when complete) or to stdout (raw;
//	                   a terminal needs -force); size and SHA-256 are checked, a mismatch exits 1
//	journal [-application ID] [-type TYPE] [-from DATE] [-to DATE] [-filter EXPR] [-page-size N] [-page-token T] [-all]
//	                   the journal's entries; KDD reads it in full, anyone else the public journal
//	screen ENTRY -legal-basis TEXT -fields title,correspondents,documents [-public-title TEXT]
//	                   KDD screens a journal entry (2026-000017 or journalEntries/2026-000017)
//
// Enumerations are given by their names, in any case: -position SUPPORTS,
// SUPPORTS_WITH_CONDITIONS, OBJECTS, NO_COMMENT; -reason-codes OUTSIDE_ACT,
// RESTRICTS_RIGHTS, TOO_VAGUE, NOT_PRIORITISED, OTHER; -outcome MADE_PERMANENT,
// LAW_CHANGE_PROPOSED, DISCONTINUED. Dates are ISO dates, 2026-08-01.
//
// # Output
//
// Text is for people: tables aligned with text/tabwriter, times in Europe/Oslo. With
// -o json, stdout is the response as protojson (lowerCamelCase, enums by name), the same
// JSON the REST API gives; list -all and events join their pages into one response.
// show prints {"application": ..., "consultations": [...], "events": [...]}, leaving out
// what the caller may not read; due prints {"items": [...]} (below).
//
// In list, DUE is the next date the case waits for: while KDD handles it, the day its
// answer is owed under R14 (the server's answerDueDate; after an interim reply, the
// decision date that reply expected); when approved, the start date; while running,
// the last day; while evaluating, the day the report is due. FLAGS, shown when a case
// has one, are the server's: NEEDS_INTERIM_REPLY, CONSULTATION_OVERDUE,
// PUBLICATION_MISSING, EVALUATION_OVERDUE.
//
// # What needs attention (due)
//
// due lists the cases from SUBMITTED to READY_FOR_DECISION, APPROVED and EVALUATING,
// and the open consultations of every case (the parent "applications/-"), and reports,
// most urgent first:
//
//	CONSULTATION_OVERDUE     an open consultation past its due date (the consultation's overdue field)
//	INTERIM_REPLY_OVERDUE    R14: flag NEEDS_INTERIM_REPLY, no answer a calendar month after submission
//	PUBLICATION_MISSING      R9: flag PUBLICATION_MISSING, the start date came without the publication
//	EVALUATION_OVERDUE       R12: flag EVALUATION_OVERDUE, the evaluation report is late
//	CONSULTATION_DUE_SOON    an open consultation due within -within days (default 5)
//	INTERIM_REPLY_DUE_SOON   R14: the answer is owed (answerDueDate) within -within days
//	UNASSIGNED               a SUBMITTED case without a handler
//	READY_FOR_DECISION       every consultation settled; the case awaits a decision
//
// The overdue kinds are the server's own flags and fields, set by its scheduler; the
// client joins them into one list, and measures "within DAYS" from its own clock's day
// in Europe/Oslo. With -o json it prints {"items": [{"application", "caseNumber",
// "state", "title", "kind", "dueDate", "consultation", "ministry", "detail"}]}.
//
// # Errors and exit codes
//
// A refused request prints on stderr the server's message, then each failing rule or
// bad field with what to fix, naming the flag that sets the field:
//
//	forsokctl approve: FAILED_PRECONDITION: cannot approve applications/2026-000001
//	  R6 approved_end: approved_end 2030-08-01 makes the trial longer than four years (forsøksloven § 3); ... (flag -end)
//	forsokctl approve: INVALID_ARGUMENT: invalid request
//	  approved_start: R6: approved_start is required: ... (flag -start)
//
// The exit code says what happened:
//
//	0  success
//	1  the server refused the request for another reason (INVALID_ARGUMENT, ...), could not be reached, or another error
//	2  usage: unknown command, bad flag or argument
//	3  refused by a rule (FAILED_PRECONDITION) or a stale -etag (ABORTED)
//	4  not found (NOT_FOUND; also a case the caller may not see)
//	5  no or bad token (UNAUTHENTICATED), or the caller's role may not do this (PERMISSION_DENIED)
package main
