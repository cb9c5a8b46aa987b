using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Sasl;
using Microsoft.Azure.Amqp.Transport;
using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>
/// The AMQP side: accepts connections (SASL MSSBCBS, plain TCP on loopback), answers CBS put-token and
/// <c>$management</c> requests, and binds sender and receiver links to entities.
/// </summary>
internal sealed class AmqpHost : IRuntimeProvider
{
    private readonly EmulatorBroker _broker;
    private readonly ServiceBusEmulatorOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SendingAmqpLink> _replyLinks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AmqpConnection, byte> _connections = new();
    private AmqpSettings? _settings;
    private AmqpTransportListener? _listener;

    public AmqpHost(EmulatorBroker broker, ServiceBusEmulatorOptions options, ILogger logger)
    {
        _broker = broker;
        _options = options;
        _logger = logger;
    }

    public void Start(int port)
    {
        var settings = new AmqpSettings { RuntimeProvider = this };
        var sasl = new SaslTransportProvider();
        sasl.Versions.Add(new AmqpVersion(1, 0, 0));
        sasl.AddHandler(new SaslAnonymousHandler("MSSBCBS"));
        sasl.AddHandler(new SaslAnonymousHandler());
        settings.TransportProviders.Add(sasl);
        var amqp = new AmqpTransportProvider();
        amqp.Versions.Add(new AmqpVersion(1, 0, 0));
        settings.TransportProviders.Add(amqp);
        var tcp = new TcpTransportSettings { Host = IPAddress.Loopback.ToString(), Port = port };
        _settings = settings;
        _listener = new AmqpTransportListener([tcp.CreateListener()], settings);
        _listener.Listen(OnAcceptTransport);
    }

    public void Stop()
    {
        _listener?.Close();
        foreach (var connection in _connections.Keys)
        {
            connection.SafeClose();
        }
    }

    private void OnAcceptTransport(TransportListener listener, TransportAsyncCallbackArgs args)
    {
        var connectionSettings = new AmqpConnectionSettings
        {
            ContainerId = "ServerlessBackOffice.ServiceBusEmulator",
            MaxFrameSize = 64 * 1024,
            IdleTimeOut = 4 * 60 * 1000,
        };
        AmqpConnection? connection = null;
        try
        {
            connection = new AmqpConnection(args.Transport, (ProtocolHeader)args.UserToken, false, _settings!, connectionSettings);
            connection.Closed += (sender, _) => _connections.TryRemove((AmqpConnection)sender!, out byte _);
            _connections[connection] = 0;
            _ = OpenAsync(connection, CancellationToken.None);
        }
        catch (Exception ex) when (ex is AmqpException or InvalidOperationException or IOException)
        {
            connection?.SafeClose(ex);
        }
    }

    private static async Task OpenAsync(AmqpConnection connection, CancellationToken cancellationToken)
    {
        // A client that never finishes the handshake must not hold the connection forever.
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        handshake.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await connection.OpenAsync(handshake.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmqpException or TimeoutException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            connection.SafeClose(ex);
        }
    }

    AmqpConnection IConnectionFactory.CreateConnection(TransportBase transport, ProtocolHeader protocolHeader, bool isInitiator, AmqpSettings amqpSettings, AmqpConnectionSettings connectionSettings) =>
        new(transport, protocolHeader, isInitiator, amqpSettings, connectionSettings);

    AmqpSession ISessionFactory.CreateSession(AmqpConnection connection, AmqpSessionSettings settings) => new(connection, settings, this);

    AmqpLink ILinkFactory.CreateLink(AmqpSession session, AmqpLinkSettings settings)
    {
        // settings.Role is the broker's role: true = receiver (the client sends).
        if (settings.Role == true)
        {
            settings.MaxMessageSize = AmqpNames.MaxMessageSize;
            return new ReceivingAmqpLink(session, settings);
        }

        return new SendingAmqpLink(session, settings);
    }

    IAsyncResult ILinkFactory.BeginOpenLink(AmqpLink link, TimeSpan timeout, AsyncCallback callback, object state) =>
        TaskToAsyncResult.Begin(OpenLinkAsync(link, timeout, CancellationToken.None), callback, state);

    void ILinkFactory.EndOpenLink(IAsyncResult result) => TaskToAsyncResult.End(result);

    private async Task OpenLinkAsync(AmqpLink link, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var address = link.IsReceiver
            ? ((Target)link.Settings.Target).Address?.ToString()
            : ((Source)link.Settings.Source).Address?.ToString();
        if (address is null)
        {
            throw new AmqpException(AmqpErrorCode.InvalidField, "The link has no address.");
        }

        var path = EmulatorBroker.Normalize(address);
        if (path.Equals(AmqpNames.Cbs, StringComparison.OrdinalIgnoreCase))
        {
            AttachRequestResponse(link, HandleCbs);
            return;
        }

        if (path.EndsWith("/" + AmqpNames.Management, StringComparison.OrdinalIgnoreCase))
        {
            var entityPath = path[..^(AmqpNames.Management.Length + 1)];
            var managed = _broker.ResolveStore(entityPath) ?? throw NotFound(entityPath);
            AttachRequestResponse(link, request => HandleManagement(entityPath, request));
            _ = managed;
            return;
        }

        if (link.IsReceiver)
        {
            if (_broker.Resolve(path) is not SendTarget target)
            {
                throw NotFound(path);
            }

            var receiver = (ReceivingAmqpLink)link;
            receiver.RegisterMessageListener(message => OnMessageSent(receiver, target, message));
            return;
        }

        var store = _broker.ResolveStore(path) ?? throw NotFound(path);
        var source = (Source)link.Settings.Source;
        string? sessionId = null;
        if (source.FilterSet is { } filters && filters.TryGetValue<object>(AmqpNames.SessionFilter, out var requested) | ContainsKey(filters, AmqpNames.SessionFilter))
        {
            if (!store.RequiresSession)
            {
                throw new AmqpException(AmqpErrorCode.NotAllowed, $"The entity '{path}' does not require sessions; a session receiver cannot attach.");
            }

            var wait = link.Settings.Properties?.TryGetValue<uint>(AmqpNames.Timeout, out var ms) == true ? TimeSpan.FromMilliseconds(ms) : timeout;
            var locked = await store.LockSessionAsync(requested as string, wait, cancellationToken).ConfigureAwait(false);
            if (locked is not { } session)
            {
                throw requested is string sid
                    ? new AmqpException(AmqpNames.SessionCannotBeLocked, $"The session '{sid}' is locked by another receiver.")
                    : new AmqpException(AmqpNames.TimeoutCondition, "No session was available within the timeout.");
            }

            sessionId = session.SessionId;
            filters[(AmqpSymbol)AmqpNames.SessionFilter] = sessionId;
            link.Settings.Properties ??= new Fields();
            link.Settings.Properties[(AmqpSymbol)AmqpNames.LockedUntilUtc] = session.LockedUntil.UtcTicks;
        }
        else if (store.RequiresSession)
        {
            throw new AmqpException(AmqpErrorCode.NotAllowed, $"The entity '{path}' requires sessions; use a session receiver.");
        }

        var consumer = new Consumer(store, (SendingAmqpLink)link, sessionId);
        if (sessionId is not null)
        {
            store.BindSession(sessionId, consumer);
        }

        store.Attach(consumer);
    }

    private static bool ContainsKey(FilterSet filters, string key)
    {
        foreach (var pair in filters)
        {
            if (string.Equals(pair.Key.Key.ToString(), key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private AmqpException NotFound(string path)
    {
        Log.AttachRefused(_logger, path, "entity not found");
        return new AmqpException(AmqpErrorCode.NotFound, $"The messaging entity 'sb://127.0.0.1/{path}' could not be found.");
    }

    private void OnMessageSent(ReceivingAmqpLink link, SendTarget target, AmqpMessage message)
    {
        try
        {
            var messages = new List<StoredMessage>();
            if (message.MessageFormat == 0x80013700)
            {
                foreach (var data in message.DataBody)
                {
                    var segment = (ArraySegment<byte>)data.Value;
                    messages.Add(StoredMessage.FromEncoded(segment.ToArray()));
                }
            }
            else
            {
                messages.Add(StoredMessage.FromEncoded(ReadAll(message)));
            }

            if (messages.Any(m => m.EncodedSize > AmqpNames.MaxMessageSize))
            {
                link.DisposeMessage(message, new Rejected { Error = new Error { Condition = AmqpNames.MessageSizeExceeded, Description = $"The message exceeds the limit of {AmqpNames.MaxMessageSize} bytes." } }, true, false);
                return;
            }

            foreach (var stored in messages)
            {
                EmulatorBroker.Send(target, stored);
            }

            _broker.Operations.OnSend(messages.Count);

            link.DisposeMessage(message, AmqpConstants.AcceptedOutcome, true, message.Batchable);
        }
        catch (Exception ex) when (ex is AmqpException or InvalidCastException or InvalidOperationException or FormatException)
        {
            Log.Unexpected(_logger, "send", ex);
            link.DisposeMessage(message, new Rejected { Error = new Error { Condition = AmqpErrorCode.InternalError, Description = ex.Message } }, true, false);
        }
        finally
        {
            message.Dispose();
        }
    }

    private static byte[] ReadAll(AmqpMessage message)
    {
        using var stream = message.ToStream();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// A request-response node ($cbs, $management): the client sends requests on one link and receives replies on
    /// another whose target address is the requests' reply-to.
    /// </summary>
    private void AttachRequestResponse(AmqpLink link, Func<AmqpMessage, AmqpMessage> handler)
    {
        if (link.IsReceiver)
        {
            var receiver = (ReceivingAmqpLink)link;
            receiver.RegisterMessageListener(request => OnRequest(receiver, request, handler));
            receiver.SetTotalLinkCredit(100u, true, true);
            return;
        }

        var replyTo = ((Target)link.Settings.Target).Address?.ToString();
        if (replyTo is null)
        {
            throw new AmqpException(AmqpErrorCode.InvalidField, "A reply link needs a target address.");
        }

        var sender = (SendingAmqpLink)link;
        _replyLinks[replyTo] = sender;
        sender.SafeAddClosed((_, _) => _replyLinks.TryRemove(new KeyValuePair<string, SendingAmqpLink>(replyTo, sender)));
    }

    private void OnRequest(ReceivingAmqpLink link, AmqpMessage request, Func<AmqpMessage, AmqpMessage> handler)
    {
        try
        {
            link.DisposeMessage(request, AmqpConstants.AcceptedOutcome, true, false);
            _broker.Operations.OnManagementRequest();
            var replyTo = request.Properties.ReplyTo?.ToString();
            if (replyTo is null || !_replyLinks.TryGetValue(replyTo, out var replyLink))
            {
                return;
            }

            var response = handler(request);
            response.Properties.CorrelationId = request.Properties.MessageId;
            response.Settled = true;
            replyLink.SendMessageNoWait(response, new ArraySegment<byte>(Guid.NewGuid().ToByteArray()), AmqpConstants.NullBinary);
        }
        catch (Exception ex) when (ex is AmqpException or InvalidOperationException or InvalidCastException or ObjectDisposedException)
        {
            Log.Unexpected(_logger, "request", ex);
        }
        finally
        {
            request.Dispose();
        }
    }

    private AmqpMessage HandleCbs(AmqpMessage request)
    {
        var audience = request.ApplicationProperties.Map.TryGetValue<string>("name", out var name) ? name : string.Empty;
        var token = request.ValueBody?.Value as string ?? string.Empty;
        var response = AmqpMessage.Create();
        var refusal = ValidateToken(token);
        if (refusal is null)
        {
            response.ApplicationProperties.Map["status-code"] = 202;
            response.ApplicationProperties.Map["status-description"] = "Accepted";
        }
        else
        {
            Log.TokenRefused(_logger, audience, refusal);
            response.ApplicationProperties.Map["status-code"] = 401;
            response.ApplicationProperties.Map["status-description"] = refusal;
        }

        return response;
    }

    /// <summary>Checks a SharedAccessSignature the way the service does; returns why it is refused, or null.</summary>
    private string? ValidateToken(string token)
    {
        const string prefix = "SharedAccessSignature ";
        if (!token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return "InvalidSignature: The token is not a SharedAccessSignature.";
        }

        var fields = token[prefix.Length..].Split('&')
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!fields.TryGetValue("sr", out var resource) || !fields.TryGetValue("sig", out var signature)
            || !fields.TryGetValue("se", out var expiry) || !fields.TryGetValue("skn", out var keyName))
        {
            return "InvalidSignature: The token is missing sr, sig, se or skn.";
        }

        if (!string.Equals(keyName, _options.SharedAccessKeyName, StringComparison.Ordinal))
        {
            return $"Unauthorized: The key name '{keyName}' is not known.";
        }

        if (!long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var expirySeconds)
            // Clients sign with their wall clock, so expiry is judged by it too, not by the broker's (possibly fake) clock.
            || DateTimeOffset.FromUnixTimeSeconds(expirySeconds) < TimeProvider.System.GetUtcNow())
        {
            return "ExpiredToken: The token is expired.";
        }

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(_options.SharedAccessKey));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(resource + "\n" + expiry));
        byte[] actual;
        try
        {
            actual = Convert.FromBase64String(WebUtility.UrlDecode(signature));
        }
        catch (FormatException)
        {
            return "InvalidSignature: The token has an invalid signature.";
        }

        return CryptographicOperations.FixedTimeEquals(expected, actual) ? null : "InvalidSignature: The token has an invalid signature.";
    }

    private AmqpMessage HandleManagement(string entityPath, AmqpMessage request)
    {
        var operation = request.ApplicationProperties.Map.TryGetValue<string>("operation", out var op) ? op : string.Empty;
        var store = _broker.ResolveStore(entityPath);
        try
        {
            if (store is null)
            {
                return Status(404, AmqpErrorCode.NotFound.Value, $"The messaging entity '{entityPath}' could not be found.");
            }

            var body = request.ValueBody?.Value as AmqpMap ?? new AmqpMap();
            return ManagementOperations.Handle(store, operation, body, _broker.TimeProvider);
        }
        catch (ManagementException ex)
        {
            Log.ManagementFailed(_logger, operation, entityPath, ex.Message);
            return Status(ex.StatusCode, ex.Condition, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidCastException or KeyNotFoundException or NullReferenceException or ArgumentException or FormatException)
        {
            Log.ManagementFailed(_logger, operation, entityPath, ex.Message);
            return Status(400, AmqpNames.ArgumentError, ex.Message);
        }
    }

    internal static AmqpMessage Status(int code, string? condition, string description, AmqpMap? body = null)
    {
        var response = body is null ? AmqpMessage.Create() : AmqpMessage.Create(new AmqpValue { Value = body });
        response.ApplicationProperties.Map["statusCode"] = code;
        response.ApplicationProperties.Map["statusDescription"] = description;
        if (condition is not null)
        {
            response.ApplicationProperties.Map["errorCondition"] = (AmqpSymbol)condition;
        }

        return response;
    }
}
