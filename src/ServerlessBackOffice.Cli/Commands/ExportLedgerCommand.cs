using System.CommandLine;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice export-ledger</c>: writes a book's journal up to a date as a plain-text accounting journal that hledger
/// and Ledger read, so an auditor can recompute every balance with a tool we did not write.
/// </summary>
internal static class ExportLedgerCommand
{
    public static Command Create()
    {
        var book = new Option<string>("--book") { Description = "The book to export (for example US-EQ).", Required = true };
        var date = new Option<DateOnly>("--date") { Description = "Export entries with a value date up to and including this date (yyyy-MM-dd).", Required = true };
        var cosmos = new Option<string>("--cosmos")
        {
            Description = "Cosmos connection string (default: the CosmosConnection environment variable, as `backoffice emulators` prints it).",
        };
        var database = new Option<string>("--database")
        {
            Description = "Cosmos database (default: the topology's).",
            DefaultValueFactory = _ => Entities.CosmosDatabase.Name,
        };
        var output = new Option<FileInfo>("--out") { Description = "The journal file to write.", Required = true };

        var command = new Command("export-ledger", "Write a book's journal as an hledger/Ledger plain-text journal.") { book, date, cosmos, database, output };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var connection = parseResult.GetValue(cosmos) ?? Environment.GetEnvironmentVariable(BackOfficeServices.CosmosConnectionSetting);
            if (string.IsNullOrWhiteSpace(connection))
            {
                error.WriteLine($"error: give --cosmos or set {BackOfficeServices.CosmosConnectionSetting}.");
                return 2;
            }

            var endpoint = new Uri(new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection }["AccountEndpoint"]!.ToString()!);
            using var client = new CosmosClient(connection, CosmosSerialization.Apply(new CosmosClientOptions
            {
                ConnectionMode = ConnectionMode.Gateway,
                LimitToEndpoint = endpoint.IsLoopback,
            }));
            var store = new CosmosLedgerStore(client.GetContainer(parseResult.GetValue(database)!, Entities.Containers.Ledger.Name));
            var entries = new List<JournalEntry>();
            await foreach (var entry in store.EntriesAsync(parseResult.GetValue(book)!, parseResult.GetValue(date), cancellationToken))
            {
                entries.Add(entry);
            }

            // Value date, then id: the same ledger always exports the same bytes.
            entries.Sort((a, b) => a.ValueDate != b.ValueDate ? a.ValueDate.CompareTo(b.ValueDate) : string.CompareOrdinal(a.JournalId, b.JournalId));
            var file = parseResult.GetValue(output)!;
            await using (var writer = new StreamWriter(file.FullName, append: false, new System.Text.UTF8Encoding(false)))
            {
                HledgerJournal.Write(writer, entries);
            }

            var trialBalance = TrialBalance.From(parseResult.GetValue(book)!, parseResult.GetValue(date), entries);
            parseResult.InvocationConfiguration.Output.WriteLine(
                $"{entries.Count} entries, {trialBalance.Postings} postings written to {file.FullName}; every asset nets to zero: {(trialBalance.Balances ? "yes" : "NO")}");
            return trialBalance.Balances ? 0 : 1;
        });
        return command;
    }
}
