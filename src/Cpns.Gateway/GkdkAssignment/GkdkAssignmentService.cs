using Cpns.Crypto;
using Cpns.Gateway.Diagnostics;
using Cpns.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using System.Security.Cryptography;

namespace Cpns.Gateway.GkdkAssignment;

/// <summary>
/// Answers GKDK Assignment Requests exactly as flow 6.1.2.2: (1) the request from a registered PNE,
/// (2) is a key material set stored? (3) if not, create and store it, (4) give the PNE the next free
/// leaf (or its own leaf again) and derive its GKDK, (5) return it wrapped under the EU-Key.
/// </summary>
public sealed partial class GkdkAssignmentService
{
    private readonly GatewayStore _store;
    private readonly ILogger<GkdkAssignmentService> _logger;

    /// <summary>Creates the service over the gateway's state.</summary>
    public GkdkAssignmentService(GatewayStore store, ILogger<GkdkAssignmentService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? store.LoggerFactory.CreateLogger<GkdkAssignmentService>();
    }

    /// <summary>
    /// Handles one GKDK Assignment Request. Idempotent: a PNE that asks again gets the same leaf and
    /// GKDK (freshly wrapped). The leaf is stored before the GKDK is returned, so a crash never gives
    /// one leaf to two PNEs.
    /// </summary>
    /// <param name="pneId">The requesting PNE (the CN of its PN client certificate).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task<GkdkAssignmentResult> AssignGkdkAsync(string pneId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        return _store.RunAsync(db => AssignCoreAsync(db, pneId, cancellationToken), cancellationToken);
    }

    private async Task<GkdkAssignmentResult> AssignCoreAsync(GatewayDbContext db, string pneId, CancellationToken cancellationToken)
    {
        // Step 1: the PNE, after EU-Key assignment, asks for its GKDK.
        Log.Step1Request(_logger, pneId);
        var pnId = _store.PnId;
        if (pnId is null)
        {
            return Refuse(GkdkAssignmentStatus.NotInitialized, pneId);
        }

        var pne = await db.Pnes.SingleOrDefaultAsync(p => p.PneId == pneId, cancellationToken).ConfigureAwait(false);
        if (pne is null)
        {
            return Refuse(GkdkAssignmentStatus.UnknownPne, pneId);
        }

        if (pne.Removed)
        {
            return Refuse(GkdkAssignmentStatus.Removed, pneId);
        }

        // Step 2: does the gateway already store a key material set?
        var keyMaterial = await _store.GetKeyMaterialAsync(db, cancellationToken).ConfigureAwait(false);
        if (keyMaterial is null)
        {
            Log.Step2NoKeyMaterial(_logger);

            // Step 3: create and store it.
            keyMaterial = await _store.CreateKeyMaterialAsync(db, cancellationToken).ConfigureAwait(false);
            Log.Step3Created(_logger, keyMaterial.Height);
        }
        else
        {
            Log.Step2HasKeyMaterial(_logger, keyMaterial.Height);
        }

        // Step 4: the PNE's leaf (the next free one, never reused) and its GKDK.
        int leaf;
        if (pne.Leaf is { } existing)
        {
            leaf = existing;
            Log.Step4ExistingLeaf(_logger, pneId, leaf);
        }
        else
        {
            var allocator = await db.KeyMaterial.SingleAsync(cancellationToken).ConfigureAwait(false);
            if (allocator.NextFreeLeaf >= keyMaterial.Capacity)
            {
                return Refuse(GkdkAssignmentStatus.TreeFull, pneId);
            }

            leaf = allocator.NextFreeLeaf;
            allocator.NextFreeLeaf = leaf + 1;
            pne.Leaf = leaf;
            pne.GkdkAssignedAt = _store.Time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Log.Step4NewLeaf(_logger, pneId, leaf);
        }

        // Step 5: the GKDK Assignment Response carries the GKDK wrapped under the EU-Key.
        byte[] wrapped;
        using (var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(keyMaterial, leaf))
        using (var euKey = _store.Sealer.OpenWrappingKey(pne.EuKeySealed, SecretSealer.EuKeyKind, pneId))
        {
            var exported = gkdk.Export();
            try
            {
                wrapped = euKey.Seal(exported, EndToEndAssociatedData.GkdkToPne(pnId, pneId, leaf));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(exported);
            }
        }

        Log.Step5Wrapped(_logger, pneId, leaf);
        GatewayMetrics.GkdkAssignments.Add(1, new KeyValuePair<string, object?>("status", nameof(GkdkAssignmentStatus.Assigned)));
        return new GkdkAssignmentResult(GkdkAssignmentStatus.Assigned, pneId, leaf, keyMaterial.Height, wrapped);
    }

    private GkdkAssignmentResult Refuse(GkdkAssignmentStatus status, string pneId)
    {
        Log.Refused(_logger, pneId, status);
        GatewayMetrics.GkdkAssignments.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
        return GkdkAssignmentResult.Refused(status, pneId);
    }
}
