using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>One access attempt to the auditor API: who, what, when, and how it was decided.</summary>
public sealed record AccessAttempt(DateTimeOffset At, AuditorAction Action, string Resource, AccessDecision Decision, string? Client);

/// <summary>
/// Archives every access attempt, granted or refused, as a record of the day of access:
/// <c>&lt;yyyy-MM-dd&gt;/records/audit-access/&lt;HHmmss.fffffff&gt;Z-&lt;id&gt;.json</c>. The record is written before anything
/// is served, so an access that could not be recorded is not served at all.
/// </summary>
public sealed class AccessRecorder(IArchiveStore store, TimeProvider timeProvider)
{
    /// <summary>The folder, inside a day's records, of access records.</summary>
    public const string Folder = "audit-access/";

    /// <summary>Archives the attempt and returns it with the name it was archived under.</summary>
    public async Task<(AccessAttempt Attempt, string RecordName)> RecordAsync(
        AuditorAction action, string resource, AccessDecision decision, string? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var at = timeProvider.GetUtcNow();
        var attempt = new AccessAttempt(at, action, resource, decision, client);
        // The time first, so a day's access records list in the order they happened; the id keeps simultaneous ones apart.
        var name = $"{Folder}{at.ToString("HHmmss.fffffff", CultureInfo.InvariantCulture)}Z-{Guid.NewGuid():N}.json";
        var record = new ArchiveRecord(DateOnly.FromDateTime(at.UtcDateTime), name, Serialize(attempt), "application/json");
        var result = await store.WriteAsync(record, cancellationToken);
        if (result != ArchiveWriteResult.Written)
        {
            // A fresh id cannot already exist; if it does, the archive is not what we think it is.
            throw new InvalidOperationException($"The access record {name} could not be archived: {result}.");
        }

        return (attempt, name);
    }

    /// <summary>The record's JSON: fixed property order, so equal attempts give equal bytes.</summary>
    public static byte[] Serialize(AccessAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("at", attempt.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("action", attempt.Action.ToString());
            json.WriteString("resource", attempt.Resource);
            json.WriteString("outcome", attempt.Decision.Outcome.ToString());
            json.WriteNumber("status", attempt.Decision.StatusCode);
            json.WriteString("reason", attempt.Decision.Reason);
            if (attempt.Decision.Principal is { } principal)
            {
                json.WriteStartObject("principal");
                json.WriteString("identityProvider", principal.IdentityProvider);
                json.WriteString("name", principal.Name);
                json.WriteString("objectId", principal.ObjectId);
                json.WriteStartArray("roles");
                foreach (var role in principal.Roles)
                {
                    json.WriteStringValue(role);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("principal");
            }

            json.WriteString("client", attempt.Client);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
