using System.Diagnostics;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The operations dashboard opened in a real browser: headless Chromium (Debian package `chromium`) renders it, the
/// rendered page shows the day's figures, and the browser logs no console message. Skipped when chromium is absent.
/// </summary>
public sealed class DashboardInChromiumTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("sbo-dashboard-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Dashboard_RendersInChromiumWithTheDaysFiguresAndNoConsoleErrors()
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(chromium is null, "chromium is not installed (apt-get install chromium); the browser check did not run.");

        var page = Path.Combine(_folder.FullName, "dashboard.html");
        await File.WriteAllTextAsync(page, Dashboard.Render(Sample()), TestContext.Current.CancellationToken);

        var start = new ProcessStartInfo(chromium!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(_folder.FullName, "profile")}",
                     "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(page).AbsoluteUri,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var dom = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var log = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var rendered = await dom;
        Assert.Contains("id=\"business-date\">Business date 2026-11-24<", rendered, StringComparison.Ordinal);
        Assert.Contains("id=\"trial-balance-status\">Balanced<", rendered, StringComparison.Ordinal);
        Assert.Contains(">XNAS<", rendered, StringComparison.Ordinal);
        Assert.Contains("id=\"pnl-distribution\"", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain(":CONSOLE", await log, StringComparison.Ordinal);
    }

    private static DashboardModel Sample() => new(
        "US-EQ operations dashboard", new DateOnly(2026, 11, 24),
        [new("Accepted", 9_870m), new("Duplicate", 60m), new("Rejected", 70m)],
        [new("XNYS", 5_000m), new("XNAS", 4_870m)],
        9_500, 200, 100, 70,
        [new("1 day", 40m), new("2-3 days", 12m)], -123.45m, true,
        [new("Settlement fail", "SI-1", "LACK", 3)],
        new DashboardRisk("USD", 1_500_000m, 12_300m, 12_400m, [new("EquityShock", "Equities -20%", -300_000m), new("RatesUp", "Rates +200 bp", 0m), new("FxShock", "FX", 0m)],
            Enumerable.Range(-125, 250).Select(i => i * 100m).ToList(), 0, null));
}
