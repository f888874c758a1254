export {
  ConnectorError,
  type ConnectorErrorCode,
  type ConnectorErrorKind,
  type ConnectorErrorOptions,
  connectorErrorCodes,
  isConnectorError,
  type UpstreamDetail,
} from './core/errors';
