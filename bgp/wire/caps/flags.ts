// Capabilities with no value: route refresh (RFC 2918 §2), extended message
// (RFC 8654 §3), enhanced route refresh (RFC 7313 §3).

import { CapCode } from '../constants.js';
import { emptyCap } from './row.js';

export const routeRefreshCap = emptyCap(CapCode.ROUTE_REFRESH, 'route-refresh');
export const extendedMessageCap = emptyCap(CapCode.EXTENDED_MESSAGE, 'extended-message');
export const enhancedRouteRefreshCap = emptyCap(CapCode.ENHANCED_ROUTE_REFRESH, 'enhanced-route-refresh');
