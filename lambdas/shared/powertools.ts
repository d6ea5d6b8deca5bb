/**
 * Powertools for AWS Lambda, one instance each per process, shared by every controller: the
 * logger (structured JSON), the metrics (CloudWatch Embedded Metric Format on stdout), and the
 * tracer (X-Ray subsegments around AWS SDK calls).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE } from '../../lib/aws/metric-names';

export const SERVICE_NAME = 'trellis-controller';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
// Dimensions are exactly the ones each metric names (Mesh, Service, Proxy), so alarms and the
// dashboard can name them; Powertools' default `service` dimension would be in every set.
metrics.clearDefaultDimensions();
