package mongostore

var rosterIndexes []index
