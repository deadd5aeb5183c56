using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>Flow 6.1.2.2, GKDK assignment.</content>
internal static partial class EnvelopeValidator
{
    private static ProtocolError? Validate(GkdkAssignmentRequest m) => Identifier(m.PneId, "pne_id");

    private static ProtocolError? Validate(GkdkAssignmentResponse m)
    {
        if (Enum(m.Status, "status") is { } error)
        {
            return error;
        }

        if (m.Status != Status.Ok)
        {
            return MustBeEmpty(m.Leaf == 0, "leaf")
                ?? MustBeEmpty(m.TreeHeight == 0, "tree_height")
                ?? MustBeEmpty(m.Scheme == BroadcastScheme.Unspecified, "scheme")
                ?? MustBeEmpty(m.WrappedGkdk.IsEmpty, "wrapped_gkdk");
        }

        if (m.TreeHeight is < ProtocolLimits.MinTreeHeight or > ProtocolLimits.MaxTreeHeight)
        {
            return new ProtocolError(ProtocolErrorCode.OutOfRange, "tree_height", $"must be {ProtocolLimits.MinTreeHeight}..{ProtocolLimits.MaxTreeHeight}");
        }

        // A tree of height h has 2^h leaves, numbered 0 .. 2^h - 1.
        if (m.Leaf >= 1UL << (int)m.TreeHeight)
        {
            return new ProtocolError(ProtocolErrorCode.OutOfRange, "leaf", "must be less than 2^tree_height");
        }

        return Enum(m.Scheme, "scheme")
            ?? LengthRange(m.WrappedGkdk, ProtocolLimits.MinWrappedGkdkLength, ProtocolLimits.MaxWrappedGkdkLength, "wrapped_gkdk");
    }
}
