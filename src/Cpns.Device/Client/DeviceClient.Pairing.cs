using System.Security.Cryptography.X509Certificates;
using Cpns.Crypto;
using Cpns.Device.Storage;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cpns.Device.Client;

public sealed partial class DeviceClient
{
    private static async Task<DeviceClient> PairCoreAsync(
        DeviceClientOptions options,
        string code,
        MqttBrokerEndpoint pairingEndpoint,
        string pneId,
        string? pnId,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<DeviceClient>();
        var directory = Path.GetFullPath(options.DataDirectory);
        var storePath = Path.Combine(directory, StoreFileName);
        if (File.Exists(storePath))
        {
            throw new PairingFailedException($"'{directory}' already holds a paired PNE; use a new data directory.");
        }

        using var pairing = DevicePairing.Start(pneId, code);
        using var clientKey = ClientKeyPair.Create();
        var pairingIdHex = Convert.ToHexStringLower(pairing.PairingId.Span);
        await using var channel = await PairingChannel.ConnectAsync(pairingEndpoint, pnId, pairingIdHex, options.PairingTimeout, cancellationToken).ConfigureAwait(false);

        // docs/pairing.md step 1: EU-Key Assignment Request.
        var request = EnvelopeCodec.CreateEnvelope(
            new EuKeyAssignmentRequest { PneId = pneId, PairingId = ByteString.CopyFrom(pairing.PairingId.Span), PnePublicKey = ByteString.CopyFrom(pairing.PublicKey.Span) },
            pneId);
        await channel.SendAsync(EnvelopeCodec.Encode(request), cancellationToken).ConfigureAwait(false);
        var response = await ReceiveAnswerAsync(channel, request, Envelope.BodyOneofCase.EuKeyAssignmentResponse, options.PairingTimeout, cancellationToken).ConfigureAwait(false);
        var answer = response.EuKeyAssignmentResponse;
        if (answer.Status != Status.Ok)
        {
            throw new PairingFailedException($"The gateway refused the pairing request: {answer.Status} (expired, used or unknown code, or the PNE id is taken).");
        }

        // Step 3: the gateway's key must be the one the code commits to.
        if (!string.Equals(answer.PnId, channel.PnId, StringComparison.Ordinal)
            || !pairing.TryAcceptGateway(answer.PnId, answer.GatewayId, answer.GatewayPublicKey.Span, out var confirmation))
        {
            throw new PairingFailedException("The gateway's key does not match the pairing code: a mistyped code, or someone else answered. Nothing was sent.");
        }

        // Step 4: confirmation and CSR.
        var confirm = EnvelopeCodec.CreateEnvelope(
            new EuKeyAssignmentConfirm
            {
                PairingId = ByteString.CopyFrom(pairing.PairingId.Span),
                PneConfirmation = ByteString.CopyFrom(confirmation),
                CertificateSigningRequest = ByteString.CopyFrom(clientKey.CreateSigningRequest(pneId)),
            },
            pneId,
            response);
        await channel.SendAsync(EnvelopeCodec.Encode(confirm), cancellationToken).ConfigureAwait(false);
        var completeEnvelope = await ReceiveAnswerAsync(channel, confirm, Envelope.BodyOneofCase.EuKeyAssignmentComplete, options.PairingTimeout, cancellationToken).ConfigureAwait(false);
        var complete = completeEnvelope.EuKeyAssignmentComplete;
        if (complete.Status != Status.Ok)
        {
            throw new PairingFailedException($"The gateway refused the confirmation: {complete.Status} (a wrong code, too many attempts, or an expired code).");
        }

        // Step 6: the gateway's confirmation proves it knows the code; only then is anything kept.
        if (!pairing.TryFinish(complete.GatewayConfirmation.Span, out var euKey))
        {
            throw new PairingFailedException("The gateway's confirmation does not verify; nothing was stored.");
        }

        using (euKey)
        {
            using var pnCa = X509CertificateLoader.LoadCertificate(complete.CaCertificate.Span);
            using var issued = X509CertificateLoader.LoadCertificate(complete.PneCertificate.Span);
            CheckIssued(issued, pnCa, pneId);
            using var certificate = AttachOrFail(clientKey, issued);

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var deviceKey = DeviceKey.LoadOrCreateFile(Path.Combine(directory, KeyFileName));
            DeviceKeyStore? store = null;
            try
            {
                store = await DeviceKeyStore.CreateAsync(storePath, deviceKey, pneId, options.Store, cancellationToken).ConfigureAwait(false);
                await store.SetPairingAsync(answer.PnId, answer.GatewayId, euKey, certificate, pnCa, cancellationToken).ConfigureAwait(false);
                Log.Paired(logger, pneId, answer.PnId, answer.GatewayId);
                return new DeviceClient(options, deviceKey, store, loggerFactory);
            }
            catch
            {
                store?.Dispose();
                deviceKey.Dispose();
                throw;
            }
        }
    }

    private static async Task<Envelope> ReceiveAnswerAsync(PairingChannel channel, Envelope request, Envelope.BodyOneofCase expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            var payload = await channel.ReceiveAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            // Anything else on the pairing topic (a stale answer, garbage) is skipped, not trusted.
            if (EnvelopeCodec.TryDecode(payload, out var envelope, out _)
                && envelope.BodyCase == expected
                && envelope.CorrelationId.Equals(request.MessageId))
            {
                return envelope;
            }
        }
    }

    private static void CheckIssued(X509Certificate2 issued, X509Certificate2 pnCa, string pneId)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pnCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(issued) || !string.Equals(issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false), pneId, StringComparison.Ordinal))
        {
            throw new PairingFailedException("The certificate the gateway issued does not chain to its PN CA or names another PNE.");
        }
    }

    private static X509Certificate2 AttachOrFail(ClientKeyPair key, X509Certificate2 issued)
    {
        try
        {
            return key.AttachCertificate(issued);
        }
        catch (ArgumentException e)
        {
            throw new PairingFailedException("The certificate the gateway issued is not for this PNE's key.", e);
        }
    }
}
