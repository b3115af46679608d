"""Where demo visitors are: countries with traffic weights, time zones, locales and real
public /24 address blocks.

Each block was checked against the bundled DB-IP City Lite file (April 2023 data): every
address in it maps to the named city, so demo rows show real cities, regions and
countries after enrichment. The comment after each country lists the cities.
"""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    code: str
    weight: float
    timezone: str
    #: Hours from UTC (standard time; good enough for daily activity curves).
    utc_offset: float
    locale: str
    #: Sales tax / VAT applied to demo orders.
    tax_rate: float
    #: First three octets of /24 blocks located in this country.
    blocks: tuple[str, ...]


COUNTRIES: list[Country] = [
    Country('US', 30, 'America/New_York', -5, 'en-US', 0.07, ('205.204.105', '47.169.20', '23.54.47', '163.234.40', '74.120.156', '54.151.30', '99.97.185', '107.228.158', '44.233.51', '4.148.182', '71.142.88', '99.77.88', '69.225.185', '73.38.240', '162.18.226', '108.228.97', '173.59.4', '166.193.229',)),  # Chicago, Los Angeles, Minneapolis, Austin, New York, San Jose, Dallas, Atlanta, Portland, Phoenix, San Francisco, Houston, San Diego, Boston, Denver, Miami, Philadelphia, Seattle
    Country('GB', 7, 'Europe/London', 0, 'en-GB', 0.2, ('9.153.80', '46.68.21', '51.220.215', '51.191.145',)),  # London, Hatfield, Manchester, London (Shadwell)
    Country('DE', 7, 'Europe/Berlin', 1, 'de-DE', 0.19, ('46.5.49', '23.57.16', '53.113.129', '83.116.9',)),  # Frankfurt am Main, Düsseldorf, Stuttgart (Untertürkheim), Munich (Schwabing-Freimann)
    Country('FR', 5, 'Europe/Paris', 1, 'fr-FR', 0.2, ('82.230.180', '212.194.140', '171.16.49', '86.210.166',)),  # Paris, Nanterre, Lyon, Toulouse
    Country('CA', 4, 'America/Toronto', -5, 'en-CA', 0.13, ('38.232.117', '154.46.248', '142.49.112', '167.41.145',)),  # Toronto, Montreal, Toronto (Old Toronto), Ottawa (Downtown)
    Country('IN', 6, 'Asia/Kolkata', 5.5, 'en-IN', 0.18, ('15.207.49', '59.97.134', '101.220.159', '116.66.155',)),  # Mumbai, Bengaluru, New Delhi, Chennai
    Country('BR', 5, 'America/Sao_Paulo', -3, 'pt-BR', 0.17, ('179.148.251', '200.255.28', '191.142.81', '191.222.252',)),  # São Paulo, Rio de Janeiro, São Cristóvão, Brasília
    Country('JP', 4, 'Asia/Tokyo', 9, 'ja-JP', 0.1, ('163.143.213', '219.196.150', '101.140.218', '52.185.181',)),  # Chiyoda, Minato-ku, Osaka, Shibuya
    Country('AU', 3, 'Australia/Sydney', 10, 'en-AU', 0.1, ('69.26.189', '124.189.31', '119.17.183', '110.22.86',)),  # Sydney, Melbourne, Brisbane, Perth
    Country('NL', 2, 'Europe/Amsterdam', 1, 'nl-NL', 0.21, ('20.160.249', '145.135.223', '92.65.188', '145.217.15',)),  # Amsterdam, Utrecht, The Hague, Utrecht (Binnenstad)
    Country('ES', 3, 'Europe/Madrid', 1, 'es-ES', 0.21, ('88.16.214', '37.135.190', '31.4.166', '83.165.229',)),  # Madrid, Pozuelo de Alarcón, Barcelona, Vigo
    Country('IT', 3, 'Europe/Rome', 1, 'it-IT', 0.22, ('87.18.66', '160.80.96', '62.13.172', '2.233.201',)),  # Milan, Rome, Rho, Turin
    Country('SE', 1.5, 'Europe/Stockholm', 1, 'sv-SE', 0.25, ('212.47.221', '51.12.22', '82.196.100', '147.13.110',)),  # Stockholm, Malmo, Gothenburg, Linköping
    Country('PL', 2, 'Europe/Warsaw', 1, 'pl-PL', 0.23, ('213.248.96', '95.41.212', '84.234.32', '83.8.158',)),  # Warsaw, Katowice, Warsaw (Mokotów), Warsaw (Śródmieście)
    Country('MX', 2, 'America/Mexico_City', -6, 'es-MX', 0.16, ('177.236.140', '189.135.168', '187.171.39', '187.185.16',)),  # Mexico City, Mexico City (Centro), Mexico City (Miguel Hidalgo Villa Olímpica), Mexico City (Zedec Santa Fe)
    Country('KR', 2, 'Asia/Seoul', 9, 'ko-KR', 0.1, ('43.133.92', '116.201.223', '211.172.148', '27.117.123',)),  # Seoul, Seongnam-si (Buljeong-ro), Yongsan-dong (Hangang-daero), Seoul (Toegye-ro)
    Country('SG', 1, 'Asia/Singapore', 8, 'en-SG', 0.09, ('180.255.0', '18.138.232', '169.138.55',)),  # Singapore (Queenstown Estate), Singapore, Singapore
    Country('ZA', 1, 'Africa/Johannesburg', 2, 'en-ZA', 0.15, ('41.7.219', '41.172.241', '152.109.122', '41.156.133',)),  # Cape Town, Johannesburg, Pretoria, Sandton (Sandhurst)
    Country('NG', 1, 'Africa/Lagos', 1, 'en-NG', 0.075, ('102.131.104', '196.222.48', '129.56.233', '160.152.214',)),  # Lagos, Nsukka, Lagos (Ikoyi), Lagos (Victoria Island Annex)
    Country('AR', 1, 'America/Argentina/Buenos_Aires', -3, 'es-AR', 0.21, ('201.253.172', '201.255.144', '201.212.136', '181.44.212',)),  # Buenos Aires, San Telmo, Palermo, Villa Crespo
    Country('TR', 1, 'Europe/Istanbul', 3, 'tr-TR', 0.2, ('37.75.12', '144.122.112', '46.221.39', '176.233.142',)),  # Istanbul, Ankara, Şişli, Kartal
    Country('ID', 1.5, 'Asia/Jakarta', 7, 'id-ID', 0.11, ('114.125.131', '39.233.224', '125.166.147', '36.78.102',)),  # Jakarta, Kuningan Barat, Jakarta Pusat, Surabaya
    Country('PH', 1, 'Asia/Manila', 8, 'en-PH', 0.12, ('49.146.183', '112.204.236', '116.50.247', '110.54.170',)),  # Mandaluyong City, San Juan City, Makati City, Taguig
    Country('IE', 1, 'Europe/Dublin', 0, 'en-IE', 0.23, ('54.246.117', '86.41.167', '83.70.109', '87.40.219',)),  # Dublin, Cork, Limerick, Dublin (International Financial Services Centre)
    Country('CH', 1, 'Europe/Zurich', 1, 'de-CH', 0.081, ('163.161.109', '57.8.242', '195.186.234', '178.192.176',)),  # Zurich, Bern, Basel, Geneva
    Country('NO', 0.7, 'Europe/Oslo', 1, 'nb-NO', 0.25, ('144.193.146', '80.203.64', '137.47.144', '84.209.172',)),  # Fornebu, Oslo, Stavanger, Oslo (Nordre Aker District)
    Country('DK', 0.7, 'Europe/Copenhagen', 1, 'da-DK', 0.25, ('128.76.37', '131.164.230', '62.79.129', '77.213.22',)),  # Tranbjerg, Copenhagen, Aalborg, Copenhagen (København SV)
    Country('FI', 0.5, 'Europe/Helsinki', 2, 'fi-FI', 0.24, ('194.251.216', '145.247.68', '193.211.252', '89.18.235',)),  # Helsinki, Espoo, Tampere, Tuusula
    Country('PT', 1, 'Europe/Lisbon', 0, 'pt-PT', 0.23, ('37.189.166', '89.155.98', '193.126.243', '84.91.204',)),  # Lisbon, Porto, Carnaxide, Palmela
    Country('BE', 1, 'Europe/Brussels', 1, 'nl-BE', 0.21, ('15.239.121', '78.20.213', '35.195.230', '94.110.56',)),  # Brussels, Mechelen, Zaventem, Evere
    Country('AT', 0.7, 'Europe/Vienna', 1, 'de-AT', 0.2, ('156.58.35', '143.161.150', '91.112.66', '212.152.182',)),  # Vienna, Graz, Vienna (Leopoldstadt), Vienna (Floridsdorf)
    Country('NZ', 0.7, 'Pacific/Auckland', 12, 'en-NZ', 0.15, ('23.32.49', '121.73.87', '222.154.197', '58.28.7',)),  # Auckland, Wellington, Auckland (Auckland CBD), Auckland (Takapuna)
    Country('EG', 0.5, 'Africa/Cairo', 2, 'ar-EG', 0.14, ('105.47.211', '156.206.160', '105.198.13', '102.10.131',)),  # Cairo, Giza, Kirdāsah, Alexandria
    Country('KE', 0.5, 'Africa/Nairobi', 3, 'en-KE', 0.16, ('212.22.184', '197.237.41', '197.178.231', '102.4.195',)),  # Nairobi, Mombasa, Nairobi (Spring Valley), Nairobi (Embakasi)
    Country('VN', 1, 'Asia/Ho_Chi_Minh', 7, 'vi-VN', 0.1, ('14.186.14', '27.75.118', '113.185.154', '123.17.68',)),  # Hanoi, Ho Chi Minh City, Biên Hòa, Cầu Giấy
    Country('TH', 1, 'Asia/Bangkok', 7, 'th-TH', 0.07, ('23.42.57', '1.1.184', '112.142.73', '58.11.153',)),  # Pak Kret, Khwaeng Thung Song Hong, Bangkok, Din Daeng (Khwaeng Din Daeng)
    Country('CL', 0.7, 'America/Santiago', -4, 'es-CL', 0.19, ('186.40.166', '200.73.237', '186.78.231', '181.72.239',)),  # Santiago, Las Condes, Providencia, Huechuraba
    Country('CO', 0.8, 'America/Bogota', -5, 'es-CO', 0.19, ('190.67.124', '191.67.62', '181.57.60', '177.254.224',)),  # Bogotá (Suba), Bogotá (Kennedy), Bogotá (Comuna Chapinero), Bogotá (Engativa)
    Country('UA', 0.8, 'Europe/Kyiv', 2, 'uk-UA', 0.2, ('213.169.66', '46.133.181', '212.3.107', '37.53.234',)),  # Kyiv, Kharkiv, Dnipro, Kyiv (Shevchenkivs'kyi district)
    Country('RO', 0.7, 'Europe/Bucharest', 2, 'ro-RO', 0.19, ('95.76.227', '46.214.84', '92.87.83', '93.118.246',)),  # Bucharest, Bucharest (Sector 1), Bucuresti (Sector 1), Bucharest (Sector 2)
    Country('CZ', 0.7, 'Europe/Prague', 1, 'cs-CZ', 0.21, ('5.180.196', '160.216.70', '90.179.175', '89.103.135',)),  # Prague, Brno střed, Prague (Praha 4), Prague (Praha 5)
    Country('IL', 0.7, 'Asia/Jerusalem', 2, 'he-IL', 0.17, ('81.5.18', '149.49.152', '212.150.66', '46.210.54',)),  # Petah Tikva, Tel Aviv, Rosh HaAyin, Netanya
    Country('AE', 0.7, 'Asia/Dubai', 4, 'en-AE', 0.05, ('4.161.5', '86.97.150', '5.194.45', '139.185.37',)),  # Dubai, Abu Dhabi, Sharjah city, Dubai (Al Sufouh)
    Country('SA', 0.5, 'Asia/Riyadh', 3, 'ar-SA', 0.15, ('88.213.86', '93.169.229', '46.152.15', '5.41.89',)),  # Riyadh, Jeddah, Jubail, Makkah al Mukarramah
    Country('TW', 1, 'Asia/Taipei', 8, 'zh-TW', 0.05, ('210.63.8', '140.116.252', '220.228.123', '101.136.98',)),  # Taipei, Tuniugou, Yingge District, Taichung
    Country('HK', 0.7, 'Asia/Hong_Kong', 8, 'zh-HK', 0.0, ('16.163.214', '223.121.201', '219.76.214', '210.3.172',)),  # Hong Kong, Kwai Chung, Central, Tsing Yi Town
    Country('MY', 0.7, 'Asia/Kuala_Lumpur', 8, 'ms-MY', 0.08, ('47.250.31', '42.155.95', '175.140.62', '121.123.21',)),  # Kuala Lumpur, Petaling Jaya, Kuala Lumpur (Kampung Attap), Kuala Lumpur (City Centre)
]
