using System.CommandLine;
using System.Globalization;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice load-reference-data</c>: checks a reference data set (the ten JSON files of data/reference) and puts it
/// into the reference-data container of the configured Cosmos account with <see cref="ReferenceDataLoader"/>. Running it
/// again with the same data writes nothing; a changed set gets a new version, and the functions pick it up within their
/// cache expiry.
/// </summary>
internal static class LoadReferenceDataCommand
{
    public static Command Create() => Create("load-reference-data");

    /// <summary><c>backoffice reference load</c>: the same command under the name the capture issue gives it.</summary>
    public static Command CreateReferenceGroup()
    {
        var group = new Command("reference", "Reference data: securities, counterparties, accounts, schedules, FX rates, calendars.");
        group.Subcommands.Add(Create("load"));
        return group;
    }

    private static Command Create(string name)
    {
        var file = new Option<FileSystemInfo>("--file")
        {
            Description = "The reference data: the folder with the ten JSON files (like data/reference), or any one of them, whose folder is "
                + "read whole. Default: the sample set built into the tool.",
        };
        var effectiveFrom = new Option<string>("--effective-from")
        {
            Description = "When the set comes into force, an ISO 8601 instant (2026-12-07T00:00:00Z). Default: in force at once, for any clock.",
        };
        var cosmos = new Option<string>("--cosmos")
        {
            Description = "Cosmos connection string (default: the CosmosConnection environment variable, as `backoffice emulators` prints it).",
        };
        var endpoint = new Option<Uri>("--endpoint")
        {
            Description = "Cosmos account endpoint, signing in with your Entra identity (az login) instead of a key — how to reach an account "
                + "in Azure, where local auth is disabled; needs the Cosmos DB Built-in Data Contributor role. Default: the "
                + "CosmosConnection__accountEndpoint environment variable.",
        };
        var database = new Option<string>("--database")
        {
            Description = "Cosmos database (default: the CosmosDatabase environment variable, else the topology's).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Entities.CosmosDatabase.AppSetting) ?? Entities.CosmosDatabase.Name,
        };

        var command = new Command(name, "Check a reference data set and load it into Cosmos (idempotent, versioned, effective-dated).")
        {
            file, effectiveFrom, cosmos, endpoint, database,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var connection = parseResult.GetValue(cosmos) ?? Environment.GetEnvironmentVariable(BackOfficeServices.CosmosConnectionSetting);
            var account = parseResult.GetValue(endpoint)
                ?? (Environment.GetEnvironmentVariable(BackOfficeServices.CosmosEndpointSetting) is { Length: > 0 } e ? new Uri(e) : null);
            if (string.IsNullOrWhiteSpace(connection) && account is null)
            {
                error.WriteLine($"error: give --cosmos (or set {BackOfficeServices.CosmosConnectionSetting}) or --endpoint (or set {BackOfficeServices.CosmosEndpointSetting}).");
                return 2;
            }

            DateTimeOffset? from = null;
            if (parseResult.GetValue(effectiveFrom) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    error.WriteLine($"error: --effective-from '{text}' is not an ISO 8601 instant.");
                    return 2;
                }

                from = instant.ToUniversalTime();
            }

            ReferenceDataSet set;
            try
            {
                set = Read(parseResult.GetValue(file));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 1;
            }

            using var client = Client(connection, account);
            var container = client.GetContainer(parseResult.GetValue(database)!, Entities.Containers.ReferenceData.Name);
            var result = await new ReferenceDataLoader(container).LoadAsync(set, from, cancellationToken);
            output.WriteLine(
                $"reference data set {result.Version}: {result.Rows} rows ({set.Securities.Count} securities, {set.Counterparties.Count} counterparties, "
                + $"{set.Accounts.Count} accounts); "
                + (result.Activated ? $"in force from {Describe(result.EffectiveFrom)}" : $"already loaded and in force from {Describe(result.EffectiveFrom)}; nothing written"));
            return 0;
        });
        return command;
    }

    private static CosmosClient Client(string? connection, Uri? account)
    {
        if (string.IsNullOrWhiteSpace(connection))
        {
            return new CosmosClient(account!.ToString(), new DefaultAzureCredential(), CosmosSerialization.Apply(new CosmosClientOptions { ApplicationName = "ServerlessBackOffice" }));
        }

        // Local stand-ins speak Gateway mode over plain HTTP and must not be redirected to an advertised address.
        var endpoint = new Uri(new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection }["AccountEndpoint"]!.ToString()!);
        return new CosmosClient(connection, CosmosSerialization.Apply(new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = endpoint.IsLoopback,
            ApplicationName = "ServerlessBackOffice",
        }));
    }

    private static ReferenceDataSet Read(FileSystemInfo? location)
    {
        if (location is null)
        {
            return ReferenceDataJson.LoadEmbedded();
        }

        var folder = location switch
        {
            DirectoryInfo directory when directory.Exists => directory.FullName,
            FileInfo f when f.Exists => f.DirectoryName!,
            _ => throw new IOException($"{location.FullName} does not exist."),
        };
        return ReferenceDataJson.Load(name =>
        {
            var path = Path.Combine(folder, name);
            return File.Exists(path) ? File.OpenRead(path) : throw new InvalidDataException($"{path} is missing: a set has {string.Join(", ", ReferenceDataJson.FileNames)}.");
        });
    }

    private static string Describe(DateTimeOffset instant) =>
        instant == ReferenceDataLoader.Always ? "the start (any clock)" : instant.ToString("O", CultureInfo.InvariantCulture);
}
