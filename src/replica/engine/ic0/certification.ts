/** ic0: certified data and the data certificate (spec §1.4 "Certification", §6.6). */
import { MAX_CERTIFIED_DATA_BYTES } from '../../constants.js';
import { TrapError } from '../trap.js';
import { I32, ic0, type Ic0Table } from './entry.js';
import { STANDARD } from './instructions.js';
import type { Ic0Scope } from './scope.js';

function certificate(s: Ic0Scope, what: string): Uint8Array {
    const certificate = s.inv.dataCertificate;
    if (certificate === null) throw TrapError.contract(`${what}: no certificate is present in this execution`);
    return certificate;
}

export const CERTIFICATION: Ic0Table = {
    certified_data_set: ic0({
        params: [I32, I32],
        results: [],
        contexts: 'I G U Ry Rt T',
        overhead: STANDARD,
        impl: (s, src, size) => {
            if (size > MAX_CERTIFIED_DATA_BYTES) throw TrapError.contract(`ic0.certified_data_set: ${size} bytes is more than the maximum of ${MAX_CERTIFIED_DATA_BYTES}`);
            s.inv.certifiedData = s.live.read(src, size);
        }
    }),
    data_certificate_present: ic0({ params: [], results: [I32], contexts: '*', overhead: STANDARD, impl: (s) => (s.inv.hasDataCertificate ? 1 : 0) }),
    // A certificate is given only to non-replicated queries and composite queries.
    data_certificate_size: ic0({ params: [], results: [I32], contexts: 'NRQ CQ', overhead: STANDARD, impl: (s) => certificate(s, 'ic0.data_certificate_size').length }),
    data_certificate_copy: ic0({
        params: [I32, I32, I32],
        results: [],
        contexts: 'NRQ CQ',
        overhead: STANDARD,
        impl: (s, dst, offset, size) => s.copyOut(certificate(s, 'ic0.data_certificate_copy'), dst, offset, size, 'ic0.data_certificate_copy')
    })
};
