// Package verify finds the common misconfigurations crm_verify reports that can be
// seen from the configuration alone (no scheduler run): fencing enabled without
// fencing devices, duplicate operations, disallowed on-fail values, deprecated
// options. Each finding uses Pacemaker's wording and severity.
package verify
