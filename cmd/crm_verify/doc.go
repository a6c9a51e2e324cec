// Command crm_verify checks a CIB for errors, as Pacemaker's crm_verify does: XML
// well-formedness, conformance to the schema (element and attribute names, unique
// ids, references, scores), common misconfigurations, and what the scheduler (run
// over the CIB, as Pacemaker's crm_verify runs its own) finds in the status section,
// with Pacemaker's wording and exit codes.
package main
