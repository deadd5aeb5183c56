using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>PN registration (EU-Key assignment) messages.</content>
internal static partial class EnvelopeValidator
{
    private static ProtocolError? Validate(EuKeyAssignmentRequest m) =>
        Identifier(m.PneId, "pne_id")
        ?? RandomId(m.PairingId, "pairing_id")
        ?? EcPublicKey(m.PnePublicKey, "pne_public_key");

    private static ProtocolError? Validate(EuKeyAssignmentResponse m)
    {
        if (Enum(m.Status, "status") is { } error)
        {
            return error;
        }

        // A refusal carries no key material: a half-filled response must not look usable.
        return m.Status == Status.Ok
            ? Identifier(m.PnId, "pn_id")
                ?? Identifier(m.GatewayId, "gateway_id")
                ?? EcPublicKey(m.GatewayPublicKey, "gateway_public_key")
            : OptionalIdentifier(m.PnId, "pn_id")
                ?? OptionalIdentifier(m.GatewayId, "gateway_id")
                ?? MustBeEmpty(m.GatewayPublicKey.IsEmpty, "gateway_public_key");
    }

    private static ProtocolError? Validate(EuKeyAssignmentConfirm m) =>
        RandomId(m.PairingId, "pairing_id")
        ?? ExactLength(m.PneConfirmation, ProtocolLimits.ConfirmationLength, "pne_confirmation")
        ?? Der(m.CertificateSigningRequest, ProtocolLimits.MaxCertificateSigningRequestLength, "certificate_signing_request");

    private static ProtocolError? Validate(EuKeyAssignmentComplete m)
    {
        if (Enum(m.Status, "status") is { } error)
        {
            return error;
        }

        return m.Status == Status.Ok
            ? Der(m.PneCertificate, ProtocolLimits.MaxCertificateLength, "pne_certificate")
                ?? Der(m.CaCertificate, ProtocolLimits.MaxCertificateLength, "ca_certificate")
                ?? ExactLength(m.GatewayConfirmation, ProtocolLimits.ConfirmationLength, "gateway_confirmation")
            : MustBeEmpty(m.PneCertificate.IsEmpty, "pne_certificate")
                ?? MustBeEmpty(m.CaCertificate.IsEmpty, "ca_certificate")
                ?? MustBeEmpty(m.GatewayConfirmation.IsEmpty, "gateway_confirmation");
    }
}
