"""Contributing: adding files and documents as transactions, adjudication, migration between schema versions, brat and Label Studio interop, the HTML viewer."""
