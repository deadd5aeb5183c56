using Cpns.Gateway.Pairing;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Gateway.Hosting;

public sealed partial class GatewayHost
{
    // EU-Key assignment over the pairing listener (docs/pairing.md). The topic's pairing id is the hex of the
    // 16-byte pairing id the messages carry, and the broker binds it to the client id pairing/{hex}.
    private async Task HandlePairingUpAsync(string pairingIdHex, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var source = "pairing/" + pairingIdHex;
        if (payload.IsEmpty)
        {
            Refuse(PneInputRefusal.Empty, source, "empty payload");
            return;
        }

        if (!EnvelopeCodec.TryDecode(payload.Span, out var envelope, out var error))
        {
            Refuse(PneInputRefusal.MalformedEnvelope, source, error.ToString());
            return;
        }

        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.EuKeyAssignmentRequest:
                await HandlePairingRequestAsync(pairingIdHex, envelope, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.EuKeyAssignmentConfirm:
                await HandlePairingConfirmAsync(pairingIdHex, envelope, cancellationToken).ConfigureAwait(false);
                break;
            default:
                Refuse(PneInputRefusal.UnexpectedBody, source, envelope.BodyCase.ToString());
                break;
        }
    }

    private async Task HandlePairingRequestAsync(string pairingIdHex, Envelope envelope, CancellationToken cancellationToken)
    {
        var request = envelope.EuKeyAssignmentRequest;
        if (!string.Equals(Hex(request.PairingId), pairingIdHex, StringComparison.Ordinal)
            || !string.Equals(envelope.SenderId, request.PneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.PairingMismatch, "pairing/" + pairingIdHex, "pairing id or sender does not match the topic or request");
            return;
        }

        var result = await Pairing.HandleRequestAsync(request.PairingId.Memory, request.PneId, request.PnePublicKey.Memory, cancellationToken).ConfigureAwait(false);
        var response = new EuKeyAssignmentResponse { Status = ProtocolMapping.ToStatus(result.Status) };
        if (result.Status == PairingStatus.Success)
        {
            response.PnId = result.PnId!;
            response.GatewayId = result.GatewayId!;
            response.GatewayPublicKey = ByteString.CopyFrom(result.GatewayPublicKey.Span);
            var pending = new PendingPairingRequest(request.PneId, request.PnePublicKey.ToByteArray(), envelope);
            if (_pairingRequests.TryGetValue(pairingIdHex, out var old))
            {
                old.Dispose();
            }

            _pairingRequests[pairingIdHex] = pending;
        }
        else
        {
            Refuse(PneInputRefusal.PairingRefused, "pairing/" + pairingIdHex, result.Status.ToString());
        }

        await PublishAsync(Topics.PairingDown(PnId, pairingIdHex), EnvelopeCodec.CreateEnvelope(response, GatewayId, envelope), retain: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task HandlePairingConfirmAsync(string pairingIdHex, Envelope envelope, CancellationToken cancellationToken)
    {
        var confirm = envelope.EuKeyAssignmentConfirm;
        if (!string.Equals(Hex(confirm.PairingId), pairingIdHex, StringComparison.Ordinal)
            || !_pairingRequests.TryGetValue(pairingIdHex, out var pending)
            || !string.Equals(envelope.SenderId, pending.PneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.PairingMismatch, "pairing/" + pairingIdHex, "confirm without a matching request");
            return;
        }

        var result = await Pairing.ConfirmAsync(confirm.PairingId.Memory, pending.PneId, pending.PublicKey, confirm.PneConfirmation.Memory, confirm.CertificateSigningRequest.Memory, cancellationToken).ConfigureAwait(false);
        var complete = new EuKeyAssignmentComplete { Status = ProtocolMapping.ToStatus(result.Status) };
        if (result.Status == PairingStatus.Success && result.Certificate is { } certificate)
        {
            complete.PneCertificate = ByteString.CopyFrom(certificate.CertificateDer.Span);
            complete.CaCertificate = ByteString.CopyFrom(certificate.CaCertificateDer.Span);
            complete.GatewayConfirmation = ByteString.CopyFrom(result.GatewayConfirmation.Span);
            if (_pairingRequests.TryRemove(pairingIdHex, out var used))
            {
                used.Dispose();
            }
        }
        else
        {
            complete.Status = result.Status == PairingStatus.Success ? Status.InternalError : complete.Status;
            Refuse(PneInputRefusal.PairingRefused, "pairing/" + pairingIdHex, result.Status.ToString());
        }

        await PublishAsync(Topics.PairingDown(PnId, pairingIdHex), EnvelopeCodec.CreateEnvelope(complete, GatewayId, envelope), retain: false, cancellationToken).ConfigureAwait(false);
        if (complete.Status == Status.Ok)
        {
            Log.Paired(_logger, pending.PneId);
            await ReportInventoryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the confirm needs from the request it follows (the confirm carries neither).</summary>
    private sealed record PendingPairingRequest(string PneId, byte[] PublicKey, Envelope Request) : IDisposable
    {
        public void Dispose() => Array.Clear(PublicKey);
    }
}
