// Package rules evaluates Pacemaker rules and scores: the <rule> elements of
// location constraints and of attribute sets (node attribute expressions with
// #uname/#id/#kind, and/or, defined/not_defined, the string/integer/number/version
// types, date_expression with date_spec and duration, rsc_expression and
// op_expression), and the INFINITY-saturating score arithmetic every scheduler
// decision is made with.
package rules
