using System.CommandLine;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary><c>--blob stand-in|azurite</c>: which Blob Storage service the local stand-ins start (run-day, bench, emulators).</summary>
internal static class BlobOption
{
    public const string StandIn = "stand-in";
    public const string Azurite = "azurite";

    public static Option<string> Create()
    {
        var option = new Option<string>("--blob")
        {
            Description = "Blob Storage service: stand-in (in process, the default) or azurite (npm Azurite, the conformance reference; docs/decisions/0072-blob-stand-in.md).",
            DefaultValueFactory = _ => StandIn,
        };
        option.AcceptOnlyFromAmong(StandIn, Azurite);
        return option;
    }

    public static BlobImplementation Parse(string? value) => value == Azurite ? BlobImplementation.Azurite : BlobImplementation.StandIn;
}
