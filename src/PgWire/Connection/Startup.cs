using System.Text;
using PgWire.Diagnostics;
using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The startup phase of a session: StartupMessage, authentication (trust, cleartext, MD5, SCRAM-SHA-256), then
/// ParameterStatus and BackendKeyData up to the first ReadyForQuery.
/// </summary>
internal static class Startup
{
    public static async Task RunAsync(PgConnector connector, CancellationToken cancellationToken)
    {
        var options = connector.Options;
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("user", options.Username),
            new("database", options.Database),
            new("client_encoding", "UTF8"),
            new("DateStyle", "ISO, MDY"),
            new("extra_float_digits", "3"),
        };
        if (!string.IsNullOrEmpty(options.ApplicationName)) parameters.Add(new("application_name", options.ApplicationName));
        if (!string.IsNullOrEmpty(options.Options)) parameters.Add(new("options", options.Options));
        if (!string.IsNullOrEmpty(options.Timezone)) parameters.Add(new("TimeZone", options.Timezone));
        // Protocol 3.2 unless Max Protocol Version says otherwise (or this host refused it before, see ProtocolMemory).
        var minor = options.Protocol.Ask(options.MaxProtocolMinor);
        connector.Session.ProtocolMinor = minor;
        FrontendMessages.WriteStartup(connector.Output, minor, parameters);
        await connector.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);

        var capture = new CaptureHandler();
        ScramSha256? scram = null;
        var first = true;
        while (true)
        {
            await connector.ReceiveAsync(capture, cancellationToken).ConfigureAwait(false);
            var wasFirst = first;
            first = false;
            switch (capture.Code)
            {
                case BackendMessageCode.Authentication:
                    scram = await AuthenticateAsync(connector, capture.Body, scram, cancellationToken).ConfigureAwait(false);
                    break;
                case BackendMessageCode.BackendKeyData:
                    connector.Session.BackendKey = BackendKeyData.Parse(capture.Body, connector.Session.ProtocolMinor);
                    break;
                case BackendMessageCode.ReadyForQuery:
                    if (!connector.Session.ServerParameters.ContainsKey("server_version"))
                        throw connector.Break(new PgWireProtocolException("The server finished startup without reporting server_version."));
                    return;
                case BackendMessageCode.ErrorResponse:
                    var error = new PgWireServerException(ErrorResponse.Parse(capture.Body));
                    // A first answer refusing the protocol itself (08P01, 0A000) from something that cannot negotiate:
                    // PgBouncer 1.18 answers a 3.2 login with "08P01: bad packet header".
                    if (wasFirst && minor > 0 && error.SqlState is SqlStates.ProtocolViolation or SqlStates.FeatureNotSupported)
                    {
                        connector.Break(error);
                        if (MayFallBack(options, minor)) throw new ProtocolRefusedException(minor, error);
                        throw new PgWireException(
                            $"{options.Host}:{options.Port} refused the protocol 3.{minor} login asked for by Min/Max Protocol Version ({error.SqlState}: {error.Fields.MessageText}); " +
                            "it may be a pooler that speaks only 3.0: leave Max Protocol Version unset (3.2, falling back to 3.0) or set it to 3.0.", error);
                    }
                    throw connector.Break(error);
                case BackendMessageCode.NegotiateProtocolVersion:
                    if (!wasFirst)
                        throw connector.Break(new PgWireProtocolException("NegotiateProtocolVersion arrived after the server's first startup message; it may only come first."));
                    Negotiate(connector, NegotiateProtocolVersion.Parse(capture.Body, minor), minor);
                    break;
                default:
                    throw connector.Break(new PgWireProtocolException(
                        $"Unexpected {BackendMessageCode.Describe(capture.Code)} message during startup."));
            }
        }
    }

    /// <summary>Whether a refusal of this login may be retried with protocol 3.0 (Max Protocol Version not set, Min not above 3.0).</summary>
    private static bool MayFallBack(ConnectorOptions options, int minor) => minor > 0 && !options.MaxProtocolExplicit && options.MinProtocolMinor == 0;

    /// <summary>The server speaks an older minor version (or lacks options): the session goes on in it, if Min Protocol Version allows.</summary>
    private static void Negotiate(PgConnector connector, NegotiateProtocolVersion negotiated, int requested)
    {
        var options = connector.Options;
        if (negotiated.NewestMinor < options.MinProtocolMinor)
            throw connector.Break(new PgWireException(
                $"The server {options.Host}:{options.Port} speaks protocol 3.{negotiated.NewestMinor} at most, but Min Protocol Version is 3.{options.MinProtocolMinor} (PostgreSQL 18 and later speak 3.2)."));
        connector.Session.ProtocolMinor = negotiated.NewestMinor;
        var log = options.Telemetry.ConnectionLog;
        if (negotiated.NewestMinor != requested) Log.ProtocolNegotiated(log, options.Host, options.Port, requested, negotiated.NewestMinor);
        if (negotiated.UnrecognisedOptions.Length > 0)
            Log.ProtocolOptionsUnrecognised(log, options.Host, options.Port, string.Join(", ", negotiated.UnrecognisedOptions));
    }

    private static async Task<ScramSha256?> AuthenticateAsync(
        PgConnector connector, byte[] body, ScramSha256? scram, CancellationToken cancellationToken)
    {
        var options = connector.Options;
        var request = Authentication.Parse(body);
        // Require Auth: what the server asks for first (or, at AuthenticationOk with nothing asked, "none").
        if (options.RequireAuth is { } required && (request.Kind != AuthenticationKind.Ok || !connector.Session.AuthenticationAsked))
            required.Check(AuthRequirement.MethodOf(request.Kind), $"{options.Host}:{options.Port}");
        if (request.Kind != AuthenticationKind.Ok) connector.Session.AuthenticationAsked = true;
        switch (request.Kind)
        {
            case AuthenticationKind.Ok:
                // A SCRAM login is over only once the server proved it knows the password (a verified SASLFinal): a
                // server, or a machine in the middle, that skips that proof has not shown who it is.
                if (scram is { IsVerified: false })
                    throw connector.Break(new PgWireProtocolException(
                        "The server accepted the SCRAM-SHA-256 login without proving that it knows the password (no verified AuthenticationSASLFinal before AuthenticationOk); the connection is refused."));
                if (options.ChannelBinding == ChannelBinding.Require && scram is not { IsBound: true, IsVerified: true })
                    throw connector.Break(new PgWireException(
                        "Channel Binding=Require, but the server logged the user in without a channel-bound SCRAM exchange (its pg_hba.conf method for this user is not scram-sha-256)."));
                return scram;
            case AuthenticationKind.CleartextPassword or AuthenticationKind.Md5Password when scram is not null:
                throw connector.Break(new PgWireProtocolException(
                    $"The server asked for {(request.Kind == AuthenticationKind.Md5Password ? "an MD5" : "a cleartext")} password in the middle of a SCRAM-SHA-256 exchange; nothing more was sent."));
            case AuthenticationKind.CleartextPassword:
                RefuseUnderChannelBindingRequire(connector, "a cleartext password");
                FrontendMessages.WritePassword(connector.Output, Encoding.UTF8.GetBytes(RequirePassword(options, "a cleartext password")));
                break;
            case AuthenticationKind.Md5Password:
                RefuseUnderChannelBindingRequire(connector, "an MD5 password hash");
                FrontendMessages.WritePassword(connector.Output,
                    Md5Password.Compute(options.Username, RequirePassword(options, "an MD5 password"), request.Data));
                break;
            case AuthenticationKind.Sasl when scram is not null:
                throw connector.Break(new PgWireProtocolException("The server started a second SASL exchange in the middle of the first; nothing more was sent."));
            case AuthenticationKind.Sasl:
                var mechanisms = request.ReadSaslMechanisms();
                RequirePassword(options, "a SCRAM-SHA-256 password");
                var hash = connector.ServerCertificateHash;
                var bind = options.ChannelBinding != ChannelBinding.Disable && hash is not null && mechanisms.Contains(ScramSha256.PlusMechanism);
                if (!bind && options.ChannelBinding == ChannelBinding.Require)
                    throw connector.Break(new PgWireException(
                        !connector.IsSecure ? "Channel Binding=Require needs a TLS connection, and this one is not encrypted (see SSL Mode)."
                        : hash is null ? "Channel Binding=Require: the server's certificate is signed with an algorithm tls-server-end-point binding does not cover."
                        : $"Channel Binding=Require: the server offers only {string.Join(", ", mechanisms)}, not {ScramSha256.PlusMechanism}."));
                if (!bind && !mechanisms.Contains(ScramSha256.Mechanism))
                    throw connector.Break(new PgWireException(
                        $"The server offers SASL mechanisms {string.Join(", ", mechanisms)}; PgWire supports {ScramSha256.Mechanism} and, over TLS, {ScramSha256.PlusMechanism}."));
                // Over TLS without binding, "y" tells a server that did offer PLUS that something removed it (a downgrade).
                scram = bind ? new ScramSha256(hash) : new ScramSha256(couldBind: connector.IsSecure && hash is not null && options.ChannelBinding != ChannelBinding.Disable);
                FrontendMessages.WriteSaslInitialResponse(connector.Output, bind ? ScramSha256.PlusMechanism : ScramSha256.Mechanism, scram.CreateClientFirstMessage());
                break;
            case AuthenticationKind.SaslContinue:
                if (scram is null) throw connector.Break(new PgWireProtocolException("AuthenticationSASLContinue arrived before SASL started."));
                if (scram.HasSentProof) throw connector.Break(new PgWireProtocolException("A second AuthenticationSASLContinue arrived; SCRAM-SHA-256 has one."));
                FrontendMessages.WriteSaslResponse(connector.Output, scram.CreateClientFinalMessage(request.Data, options.Password!));
                break;
            case AuthenticationKind.SaslFinal:
                if (scram is null) throw connector.Break(new PgWireProtocolException("AuthenticationSASLFinal arrived before SASL started."));
                if (!scram.HasSentProof) throw connector.Break(new PgWireProtocolException("AuthenticationSASLFinal arrived before the client's proof was asked for (no AuthenticationSASLContinue)."));
                if (scram.IsVerified) throw connector.Break(new PgWireProtocolException("A second AuthenticationSASLFinal arrived."));
                scram.VerifyServerFinalMessage(request.Data);
                return scram;
            default:
                throw connector.Break(new PgWireException(
                    $"The server asks for authentication method {request.Kind} ({(int)request.Kind}), which PgWire does not support. " +
                    "Supported: trust, password, md5, scram-sha-256."));
        }
        await connector.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return scram;
    }

    /// <summary>Channel Binding=Require allows only a channel-bound SCRAM login: a request for anything else is refused before the secret is sent.</summary>
    private static void RefuseUnderChannelBindingRequire(PgConnector connector, string what)
    {
        if (connector.Options.ChannelBinding == ChannelBinding.Require)
            throw connector.Break(new PgWireException(
                $"Channel Binding=Require, but the server asks for {what} instead of a channel-bound SCRAM-SHA-256 login; refused before anything secret was sent."));
    }

    private static string RequirePassword(ConnectorOptions options, string what) =>
        options.Password ?? throw new PgWireException(
            $"The server asks for {what} for user '{options.Username}' but the connection string has no Password.");

    /// <summary>Copies the next message out of the pipe; startup messages are few and small.</summary>
    private sealed class CaptureHandler : IFrameHandler
    {
        public byte Code { get; private set; }

        public byte[] Body { get; private set; } = [];

        public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
        {
            Code = code;
            Body = body.ToArray();
            return true;
        }
    }
}

/// <summary>
/// A login asking for a newer protocol than 3.0 that the other end refused instead of negotiating (a protocol error as
/// its first answer): the opener tries once more with 3.0.
/// </summary>
internal sealed class ProtocolRefusedException(int minor, PgWireException refusal)
    : PgWireException($"The server refused a protocol 3.{minor} login: {refusal.Message}", refusal)
{
    /// <summary>The minor version that was refused.</summary>
    public int Minor { get; } = minor;
}
