using Cpns.Server.Hosting;
using Cpns.Server.Keys;
using Cpns.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Rotation;

/// <summary>
/// Rotates groups whose policy interval has elapsed. Every instance runs this loop; the lease in
/// <see cref="RotationLeases"/> makes each due rotation happen once across them.
/// </summary>
internal sealed partial class PeriodicRotationService(
    RotationLeases leases,
    GroupKeyService groupKeys,
    IOptions<ServerOptions> options,
    InstanceIdentity instance,
    TimeProvider time,
    ILogger<PeriodicRotationService> logger) : BackgroundService
{
    /// <summary>One sweep: claim due groups and rotate them. Returns how many epochs it issued.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var due = await leases.ClaimDueAsync(instance.Name, time.GetUtcNow().UtcDateTime, options.Value.RotationLeaseDuration, cancellationToken).ConfigureAwait(false);
        var rotated = 0;
        foreach (var groupId in due)
        {
            try
            {
                if (await groupKeys.RotateIfDueAsync(groupId, instance.Name, cancellationToken).ConfigureAwait(false) is not null)
                {
                    rotated++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One group's failure must not starve the others; its lease lapses and a later sweep retries it.
                LogRotationFailed(logger, groupId, ex);
            }
        }

        return rotated;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RotationCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The loop outlives a failed sweep: log and try next tick; a database outage is one warning line.
                    if (CpnsDatabase.IsUnavailable(ex))
                    {
                        LogSweepDatabaseUnavailable(logger, ex.GetBaseException().GetType().Name, ex.GetBaseException().Message);
                    }
                    else
                    {
                        LogSweepFailed(logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown is not an error.
        }
    }
}
