using System.CommandLine;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>--blob stand-in|azurite</c>: which Blob Storage service the local stand-ins start. run-day and bench default to the
/// in-process stand-in; emulators defaults to Azurite, because the Functions host of <c>func start</c> takes blob leases,
/// which the stand-in does not implement (decision 0072).
/// </summary>
internal static class BlobOption
{
    public const string StandIn = "stand-in";
    public const string Azurite = "azurite";

    public static Option<string> Create(string defaultValue = StandIn)
    {
        var option = new Option<string>("--blob")
        {
            Description = "Blob Storage service: stand-in (in process) or azurite (npm Azurite, the conformance reference; docs/decisions/0072-blob-stand-in.md).",
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong(StandIn, Azurite);
        return option;
    }

    public static BlobImplementation Parse(string? value) => value == Azurite ? BlobImplementation.Azurite : BlobImplementation.StandIn;
}
