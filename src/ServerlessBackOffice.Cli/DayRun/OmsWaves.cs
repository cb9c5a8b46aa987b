using System.Text.Json;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Splits a phase's OMS messages into waves, so that no two messages of one wave touch the same trade or the same
/// surveillance window (beneficial owner and instrument). The run publishes a wave only after capture and compliance have
/// handled the one before it (decision 0071).
/// </summary>
/// <remarks>
/// Within a wave the stages handle messages concurrently, in whatever order they arrive. That is harmless where a stage's
/// outcome does not depend on the order, which holds for every stage but one: a surveillance window evaluates each trade
/// against the trades it has already applied (the position before the trade, the pair a wash trade completes, the trade an
/// alert is attributed to). Two trades of one window in one phase would otherwise make the day's alerts depend on which was
/// evaluated first, and the same seed would not give the same compliance report twice. Waves give every window its
/// trades in the OMS's order — the order of the phase, which is a function of the seed — at the cost of a short wait for
/// the few messages that share a window with an earlier one of their phase.
/// </remarks>
internal static class OmsWaves
{
    /// <summary>
    /// The waves of a phase, in order: each message goes into the first wave after the last one holding a message of the
    /// same trade or window. A message whose body names neither (not JSON, or without those fields) goes into the first wave.
    /// </summary>
    /// <param name="phase">The phase's messages, in publication order.</param>
    /// <param name="ownerOf">The beneficial owner of an account, as surveillance resolves it.</param>
    public static IReadOnlyList<IReadOnlyList<OmsPublication>> Split(IEnumerable<OmsPublication> phase, Func<string, string> ownerOf)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(ownerOf);
        var waves = new List<List<OmsPublication>>();
        var lastWaveOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var publication in phase)
        {
            var keys = KeysOf(publication.Body, ownerOf);
            var wave = 0;
            foreach (var key in keys)
            {
                if (lastWaveOf.TryGetValue(key, out var last))
                {
                    wave = Math.Max(wave, last + 1);
                }
            }

            foreach (var key in keys)
            {
                lastWaveOf[key] = wave;
            }

            while (waves.Count <= wave)
            {
                waves.Add([]);
            }

            waves[wave].Add(publication);
        }

        return waves;
    }

    /// <summary>What a message touches: its trade ("trade|id") and its surveillance window ("window|owner|isin").</summary>
    internal static IReadOnlyList<string> KeysOf(ReadOnlyMemory<byte> body, Func<string, string> ownerOf)
    {
        string? tradeId = null, account = null, isin = null;
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return [];
            }

            // The top level only: a nested object's fields are not the message's.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                if (reader.TokenType == JsonTokenType.String)
                {
                    switch (name)
                    {
                        case "tradeId":
                            tradeId = reader.GetString();
                            break;
                        case "account":
                            account = reader.GetString();
                            break;
                        case "isin":
                            isin = reader.GetString();
                            break;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a hostile or truncated message): whatever was read before the error still names what it touches.
        }

        var keys = new List<string>(2);
        if (!string.IsNullOrEmpty(tradeId))
        {
            keys.Add("trade|" + tradeId);
        }

        if (!string.IsNullOrEmpty(account) && !string.IsNullOrEmpty(isin))
        {
            keys.Add("window|" + ownerOf(account) + "|" + isin);
        }

        return keys;
    }
}
